import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A file's SHA-256, streamed (clips and soundtracks are megabytes). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
