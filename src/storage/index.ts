import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, stat, writeFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/**
 * Where assets live. Payloads carry only keys ("runs/<id>/scene-01/image.png"); the storage turns
 * them into bytes. Local disk today; object storage can implement the same interface later.
 * Writes are atomic (temp file + rename) so a crash never leaves a half-written asset that a
 * retried activity would mistake for a finished one.
 */
export interface Storage {
  /** A local file path for tools such as ffmpeg that need one. */
  localPath(key: string): string;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  read(key: string): Promise<Buffer>;
  write(key: string, data: Buffer | string): Promise<void>;
  writeStream(key: string, source: Readable): Promise<void>;
  /** Reserves a temp path beside `key`; `commit` renames it into place. */
  stage(key: string): Promise<{ tempPath: string; commit: () => Promise<void>; discard: () => Promise<void> }>;
  readStream(key: string, range?: { start: number; end: number }): ReadStream;
}

export class LocalStorage implements Storage {
  constructor(readonly root: string) {}

  localPath(key: string): string {
    const resolved = path.resolve(this.root, key);
    // Keys come from our own code, but never let one escape the data directory.
    if (!resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`Storage key escapes the data directory: ${key}`);
    }
    return resolved;
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.localPath(key))).size > 0;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    return (await stat(this.localPath(key))).size;
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.localPath(key));
  }

  async write(key: string, data: Buffer | string): Promise<void> {
    const { tempPath, commit } = await this.stage(key);
    await writeFile(tempPath, data);
    await commit();
  }

  async writeStream(key: string, source: Readable): Promise<void> {
    const { tempPath, commit } = await this.stage(key);
    await pipeline(source, createWriteStream(tempPath));
    await commit();
  }

  async stage(key: string) {
    const finalPath = this.localPath(key);
    await mkdir(path.dirname(finalPath), { recursive: true });
    const ext = path.extname(finalPath);
    const tempPath = `${finalPath.slice(0, finalPath.length - ext.length)}.partial-${process.pid}-${Date.now()}${ext}`;
    return {
      tempPath,
      commit: () => rename(tempPath, finalPath),
      discard: () => rm(tempPath, { force: true }),
    };
  }

  readStream(key: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.localPath(key), range);
  }
}

/** Keys of one run's assets, in one place so every activity agrees on them. */
export const runKeys = {
  plan: (runKey: string) => `runs/${runKey}/plan.json`,
  image: (runKey: string, scene: number, ext = 'png') => `runs/${runKey}/scene-${pad(scene)}/image.${ext}`,
  narration: (runKey: string, scene: number) => `runs/${runKey}/scene-${pad(scene)}/narration.wav`,
  captions: (runKey: string) => `runs/${runKey}/captions.ass`,
  video: (runKey: string) => `runs/${runKey}/short.mp4`,
};

function pad(n: number): string {
  return String(n + 1).padStart(2, '0');
}
