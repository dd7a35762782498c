/**
 * Claims on a generation (src/replicate/generationClaims.ts), on real files: another owner's claim
 * makes an asker wait for the cache entry; a claim released without one lets the waiter predict; the
 * same owner (a retry) takes its own claim back; an abandoned claim (untouched for STALE_MS, as when
 * its process was killed) is taken over. A claim is a file, so these hold across processes alike.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GenerationCache, generationDir } from '../src/storage/generationCache.js';
import { GenerationClaims, STALE_MS } from '../src/storage/generationClaims.js';
import { LocalStorage } from '../src/storage/index.js';

let dir: string;
let storage: LocalStorage;
let cache: GenerationCache;
let claims: GenerationClaims;
const KEY = 'ab'.repeat(20);
const never = new AbortController().signal;
const expectBytesOk = async () => undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-claims-'));
  storage = new LocalStorage(dir);
  cache = new GenerationCache(storage);
  claims = new GenerationClaims(storage, cache);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What a holder does when its prediction is stored: remember it (manifest last). */
async function rememberOutput() {
  await storage.write('runs/a/image.png', Buffer.from('png bytes'));
  await cache.remember(KEY, { model: 'm', files: [{ ref: 'runs/a/image.png', filename: 'image.png' }] }, expectBytesOk);
}

describe('generation claims', () => {
  it('a second owner waits for the holder and is served its cache entry', async () => {
    const held = await claims.hitOrClaim(KEY, 'run-a/1', { signal: never });
    expect(held.claim).toBeDefined();
    let waits = 0;
    const waiter = claims.hitOrClaim(KEY, 'run-b/1', { signal: never, onWait: () => waits++ });
    await new Promise((r) => setTimeout(r, 600));
    await rememberOutput();
    await held.claim!.release();
    const got = await waiter;
    expect(got.hit?.files).toHaveLength(1);
    expect(waits).toBeGreaterThan(0);
  });

  it('a holder that ends without an entry (failed, cancelled) hands the claim to the waiter', async () => {
    const held = await claims.hitOrClaim(KEY, 'run-a/1', { signal: never });
    const waiter = claims.hitOrClaim(KEY, 'run-b/1', { signal: never });
    await held.claim!.release();
    const got = await waiter;
    expect(got.claim).toBeDefined();
    expect(got.hit).toBeUndefined();
  });

  it('a retry of the same activity takes its own claim back; a waiter can be cancelled', async () => {
    await claims.hitOrClaim(KEY, 'run-a/1', { signal: never }); // the attempt that crashed never released
    const retried = await claims.hitOrClaim(KEY, 'run-a/1', { signal: never });
    expect(retried.claim).toBeDefined();
    const cancel = new AbortController();
    const waiter = claims.hitOrClaim(KEY, 'run-b/1', { signal: cancel.signal });
    cancel.abort(new Error('cancelled'));
    await expect(waiter).rejects.toThrow('cancelled');
  });

  it('a claim untouched for STALE_MS (its process is gone) is taken over', async () => {
    // As another process leaves it when killed: a claim file nobody touches any more.
    const file = storage.localPath(`${generationDir(KEY)}/claim.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ owner: 'gone/1', at: new Date().toISOString() }));
    const fresh = claims.hitOrClaim(KEY, 'run-b/1', { signal: AbortSignal.timeout(1500) });
    await expect(fresh).rejects.toBeDefined(); // a live claim is waited on
    const old = new Date(Date.now() - STALE_MS - 1000);
    await utimes(file, old, old);
    const taken = await claims.hitOrClaim(KEY, 'run-b/1', { signal: never });
    expect(taken.claim).toBeDefined();
    await taken.claim!.release();
    // Released: the next asker claims at once.
    expect((await claims.hitOrClaim(KEY, 'run-c/1', { signal: never })).claim).toBeDefined();
  });
});
