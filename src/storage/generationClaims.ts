/**
 * One prediction for a generation asked for twice at the same moment, by any runs on any workers
 * sharing DATA_DIR. Before predicting, an activity claims the generation's key with a file created
 * exclusively (O_EXCL) beside its cache entry; whoever finds it claimed waits for the cache entry
 * instead, and is then served from the cache at no cost.
 *
 * - A claim names its owner (workflow and activity ID, the same on every attempt), so the retry of
 *   a holder that crashed takes its own claim back and resumes its checkpointed prediction.
 * - The holder touches the claim while it works; one untouched for STALE_MS (its process died and
 *   no retry came) is taken over by a waiter. That is far past the activity's heartbeat timeout
 *   (10 s) plus a retry, so a crashed holder's retry comes back first and nothing is paid twice.
 * - The claim is released when the holder ends, whatever the outcome: a waiter of a holder that
 *   failed or was cancelled claims the generation itself and predicts it.
 */
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from './index.js';
import { type CachedGeneration, type GenerationCache, generationDir } from './generationCache.js';

export const STALE_MS = 120_000;
const TOUCH_EVERY_MS = 2_000;
const POLL_EVERY_MS = 250;

export interface Claim {
  release(): Promise<void>;
}

export type Shared = { hit: CachedGeneration; claim?: undefined } | { hit?: undefined; claim: Claim };

export interface WaitOptions {
  signal: AbortSignal;
  /** Called while waiting on another holder (heartbeats). */
  onWait?: () => void;
  /** Told once when this asker waits on another's prediction. */
  onWaiting?: () => void;
}

export class GenerationClaims {
  constructor(
    private readonly storage: Storage,
    private readonly cache: GenerationCache,
  ) {}

  /**
   * The cache entry when there is one, else this owner's claim on the generation; waits (and
   * calls onWait) while another owner holds it. Throws when `signal` aborts.
   */
  async hitOrClaim(key: string, owner: string, options: WaitOptions): Promise<Shared> {
    let toldWaiting = false;
    for (;;) {
      const hit = await this.cache.lookup(key);
      if (hit) return { hit };
      const claim = await this.tryClaim(key, owner);
      if (claim) {
        // The holder may have finished between the lookup and the claim.
        const late = await this.cache.lookup(key);
        if (late) {
          await claim.release();
          return { hit: late };
        }
        return { claim };
      }
      if (!toldWaiting) options.onWaiting?.();
      toldWaiting = true;
      options.onWait?.();
      await pause(POLL_EVERY_MS, options.signal);
    }
  }

  private async tryClaim(key: string, owner: string): Promise<Claim | undefined> {
    const file = this.storage.localPath(`${generationDir(key)}/claim.json`);
    await mkdir(path.dirname(file), { recursive: true });
    const body = JSON.stringify({ owner, at: new Date().toISOString() });
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(body);
      await handle.close();
      return this.held(file, owner);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = await readClaim(file);
    if (current === undefined) return undefined; // released (or being replaced) just now: look again
    const stale = Date.now() - current.mtimeMs > STALE_MS;
    if (current.owner !== owner && !stale) return undefined;
    // Ours from an earlier attempt, or abandoned: replace it, then check that no other taker won.
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    const handle = await open(temp, 'w');
    await handle.writeFile(body);
    await handle.close();
    await rename(temp, file);
    return (await readClaim(file))?.owner === owner ? this.held(file, owner) : undefined;
  }

  private held(file: string, owner: string): Claim {
    const timer = setInterval(() => {
      const now = new Date();
      utimes(file, now, now).catch(() => undefined);
    }, TOUCH_EVERY_MS);
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        if ((await readClaim(file))?.owner === owner) await rm(file, { force: true });
      },
    };
  }
}

async function readClaim(file: string): Promise<{ owner: string; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { owner: (JSON.parse(text) as { owner: string }).owner, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
