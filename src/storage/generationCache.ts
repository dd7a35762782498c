/**
 * The shared generation cache: a prediction's outputs stored under a key made of its model
 * (version included) and its canonical input (seed included), so the same generation asked again,
 * by any run or batch on any worker sharing DATA_DIR, is served from storage at no cost instead of
 * being paid for again. An entry is remembered only after its outputs were copied in and verified
 * whole, and its manifest is written last: outputs that were never persisted are never served.
 * Restoring copies the files into the asking run's storage and verifies them again.
 */
import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Cost } from '../catalog/cost.js';
import type { Storage, Verifier } from './index.js';
import { stableStringify } from '../util/stableStringify.js';

export interface CachedGeneration {
  model: string;
  /** The stored outputs, in the prediction's order. */
  files: { ref: string; filename: string }[];
  /** What the original prediction cost (a hit costs nothing). */
  originalCost?: Cost;
  /** Facts measured when it was made (a mix's loudness), so a hit need not measure them again. */
  meta?: Record<string, number | string>;
  createdAt: string;
}

/** The key of a generation: model and version, and the input, canonically serialised. */
export function generationKey(request: { model: string; input: Record<string, unknown> }): string {
  return createHash('sha256')
    .update(stableStringify({ model: request.model, input: request.input }))
    .digest('hex')
    .slice(0, 40);
}

export const generationDir = (key: string) => `cache/generations/${key.slice(0, 2)}/${key}`;

export class GenerationCache {
  constructor(private readonly storage: Storage) {}

  /** The entry, when it and every one of its files are stored. */
  async lookup(key: string): Promise<CachedGeneration | undefined> {
    const manifest = `${generationDir(key)}/manifest.json`;
    if (!(await this.storage.exists(manifest))) return undefined;
    let entry: CachedGeneration;
    try {
      entry = JSON.parse((await this.storage.read(manifest)).toString('utf8')) as CachedGeneration;
    } catch {
      return undefined;
    }
    for (const file of entry.files) if (!(await this.storage.exists(file.ref))) return undefined;
    return entry;
  }

  /** Copies a cached output to `ref` in the run's storage, verified like a fresh download. */
  async restore(file: { ref: string }, ref: string, verify: Verifier): Promise<void> {
    await this.storage.put(ref, (output) => copyFile(this.storage.localPath(file.ref), output), verify);
  }

  /** Remembers outputs already stored (and verified) at `files[].ref`; the manifest is written last. */
  async remember(
    key: string,
    entry: {
      model: string;
      files: { ref: string; filename: string }[];
      cost?: Cost;
      meta?: CachedGeneration['meta'];
    },
    verify: Verifier,
  ): Promise<void> {
    const dir = generationDir(key);
    const files: CachedGeneration['files'] = [];
    for (const [i, file] of entry.files.entries()) {
      const ref = `${dir}/${i}${path.extname(file.filename)}`;
      await this.storage.put(ref, (output) => copyFile(this.storage.localPath(file.ref), output), verify);
      files.push({ ref, filename: file.filename });
    }
    const manifest: CachedGeneration = {
      model: entry.model,
      files,
      ...(entry.cost ? { originalCost: entry.cost } : {}),
      ...(entry.meta ? { meta: entry.meta } : {}),
      createdAt: new Date().toISOString(),
    };
    await this.storage.write(`${dir}/manifest.json`, JSON.stringify(manifest, null, 2));
  }
}
