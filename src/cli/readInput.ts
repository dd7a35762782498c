import { readFile } from 'node:fs/promises';
import { CliError } from './errors.js';

/** A file's text, or stdin's for "-"; a path that cannot be read is one clear line naming the flag. */
export async function readInput(file: string, what: string, flag: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`Cannot read the ${what} ${file}: ${reason}`, `Check the path passed to ${flag}.`);
  }
}
