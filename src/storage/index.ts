import { ApplicationFailure } from '@temporalio/common';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, statfs, writeFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ErrorTypes, failure } from '../domain/errors.js';

/**
 * Where assets live. Payloads carry only keys ("runs/<id>/scene-01/image.png"); the storage turns
 * them into bytes. Local disk today; object storage can implement the same interface later.
 * Writes are atomic (temp file + rename) so a crash never leaves a half-written asset that a
 * retried activity would mistake for a finished one, and every commit takes a `Verifier`: a tool
 * can exit 0 with a cut-off file (espeak-ng does on a full disk), so nothing reaches its final key
 * before it has been checked to be whole.
 */
export interface Storage {
  /** A local file path for tools such as ffmpeg that need one. */
  localPath(key: string): string;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  read(key: string): Promise<Buffer>;
  /** Writes bytes we hold ourselves; the commit checks that all of them reached the disk. */
  write(key: string, data: Buffer | string): Promise<void>;
  /** Copies a stream into place once `verify` has accepted the copy. */
  writeStream(key: string, source: Readable, verify: Verifier): Promise<void>;
  /**
   * Stages `key`, lets `produce` write the temp file (a tool, say) and commits it once `verify`
   * has accepted it. On any failure the temp file goes and the error is rethrown, a full disk as
   * the typed StorageFull.
   */
  put(key: string, produce: (tempPath: string) => Promise<void>, verify: Verifier): Promise<void>;
  /**
   * Reserves a temp path beside `key` for a tool to write, after removing stale temp files of the
   * same key (left by a dead worker or an abandoned attempt). `commit(verify)` renames it into place.
   */
  stage(key: string): Promise<StagedFile>;
  readStream(key: string, range?: { start: number; end: number }): ReadStream;
}

/**
 * Resolves when the file is whole; throws (an IncompleteAssetError) when it must not be committed.
 * The verifiers are in src/media/verify.ts.
 */
export type Verifier = (file: string) => Promise<void>;

export interface StagedFile {
  readonly tempPath: string;
  /** Verifies the staged file, then renames it into place. The verification is not optional. */
  commit(verify: Verifier): Promise<void>;
  discard(): Promise<void>;
}

/** A staged file is not whole: cut short, undecodable, or not the length it should be. */
export class IncompleteAssetError extends Error {
  override name = 'IncompleteAssetError';
}

/** Bytes whose count we know (our own writes, a download with Content-Length) all reached the disk. */
export function expectBytes(bytes: number): Verifier {
  return async (file) => {
    const { size } = await stat(file);
    if (size !== bytes) throw new IncompleteAssetError(`${size} of ${bytes} bytes reached the disk`);
  };
}

const NO_SPACE = /no space left on device|ENOSPC|EDQUOT|disk quota exceeded/i;

/** Whether `err` (or a cause of it) says the disk is full: an errno, a tool's message, a flag. */
export function isNoSpace(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; noSpace?: unknown; cause?: unknown } | undefined; e;) {
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.noSpace === true) return true;
    if (typeof e.message === 'string' && NO_SPACE.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * The typed failure for a full disk. Names the key, never a path, and says where it came from: the
 * line of the cause that reports the full disk (ffmpeg's, say), or why the cut-off file was refused.
 */
export function storageFullFailure(key: string, cause?: unknown): ApplicationFailure {
  const parts = (cause instanceof Error ? cause.message : '').split(/\n| \| /);
  const line = (parts.find((part) => NO_SPACE.test(part)) ?? parts[0]!).trim();
  const source = line ? ` (${line.slice(0, 300)})` : '';
  return failure(
    ErrorTypes.StorageFull,
    `Could not save ${key}: no space left on device${source}. Free space on the disk that holds DATA_DIR ` +
      '(for example, delete old runs/<id> directories); the step is retried a few times, and if the run ' +
      'still fails, start it again once there is room.',
  );
}

/** A failure on the way to `key`: a full disk becomes StorageFull, anything else stays as it is. */
export function asStorageFull(err: unknown, key: string): unknown {
  return !(err instanceof ApplicationFailure) && isNoSpace(err) ? storageFullFailure(key, err) : err;
}

/**
 * Below this much free space, a staged file that fails verification is blamed on the full disk:
 * a tool that hit ENOSPC and still exited 0 leaves the disk (all but) full behind it.
 */
const NEARLY_FULL_BYTES = 1024 * 1024;

async function nearlyFull(dir: string): Promise<boolean> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

/** Temp files this process has staged and not yet committed or discarded: the only ones not stale. */
const inFlight = new Set<string>();
let stagedCount = 0;

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
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    await this.put(key, (tempPath) => writeFile(tempPath, data), expectBytes(bytes));
  }

  async writeStream(key: string, source: Readable, verify: Verifier): Promise<void> {
    // Staging awaits before the pipeline listens: a source that fails meanwhile (a dropped
    // download) must not emit an unhandled 'error', which would kill the process. The pipeline
    // still sees the failure on the destroyed stream.
    source.on('error', () => {});
    await this.put(key, (tempPath) => pipeline(source, createWriteStream(tempPath)), verify);
  }

  async put(key: string, produce: (tempPath: string) => Promise<void>, verify: Verifier): Promise<void> {
    const staged = await this.stage(key);
    try {
      await produce(staged.tempPath);
      await staged.commit(verify);
    } catch (err) {
      await staged.discard();
      throw asStorageFull(err, key);
    }
  }

  async stage(key: string): Promise<StagedFile> {
    const finalPath = this.localPath(key);
    const dir = path.dirname(finalPath);
    const ext = path.extname(finalPath);
    const base = path.basename(finalPath, ext);
    try {
      await mkdir(dir, { recursive: true });
      await removeStalePartials(dir, `${base}.partial-`, ext);
    } catch (err) {
      throw asStorageFull(err, key);
    }
    const tempPath = path.join(dir, `${base}.partial-${process.pid}-${Date.now()}-${++stagedCount}${ext}`);
    inFlight.add(tempPath);
    return {
      tempPath,
      async commit(verify: Verifier) {
        try {
          await verify(tempPath);
        } catch (err) {
          if (!(await nearlyFull(dir))) throw err;
          throw storageFullFailure(key, new Error(`the disk is full and the file came out incomplete: ${String(err)}`));
        }
        try {
          await rename(tempPath, finalPath);
        } catch (err) {
          throw asStorageFull(err, key);
        }
        inFlight.delete(tempPath);
      },
      async discard() {
        inFlight.delete(tempPath);
        await rm(tempPath, { force: true });
      },
    };
  }

  readStream(key: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.localPath(key), range);
  }
}

/** Removes `<base>.partial-*<ext>` files that no live stage of this process owns. */
async function removeStalePartials(dir: string, prefix: string, ext: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    if (name.startsWith(prefix) && name.endsWith(ext) && !inFlight.has(file)) await rm(file, { force: true });
  }
}

/** Keys of one run's assets, in one place so every activity agrees on them. */
export const runKeys = {
  plan: (runKey: string) => `runs/${runKey}/plan.json`,
  image: (runKey: string, scene: number, ext = 'png') => `runs/${runKey}/scene-${pad(scene)}/image.${ext}`,
  clip: (runKey: string, scene: number) => `runs/${runKey}/scene-${pad(scene)}/clip.mp4`,
  narration: (runKey: string, scene: number) => `runs/${runKey}/scene-${pad(scene)}/narration.wav`,
  narrationWords: (runKey: string, scene: number) => `runs/${runKey}/scene-${pad(scene)}/narration.words.json`,
  captions: (runKey: string) => `runs/${runKey}/captions.ass`,
  music: (runKey: string) => `runs/${runKey}/music.wav`,
  soundtrack: (runKey: string) => `runs/${runKey}/soundtrack.wav`,
  video: (runKey: string) => `runs/${runKey}/short.mp4`,
};

function pad(n: number): string {
  return String(n + 1).padStart(2, '0');
}
