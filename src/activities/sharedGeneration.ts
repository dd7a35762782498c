import { Context, log } from '@temporalio/activity';
import type { CachedGeneration } from '../storage/generationCache.js';
import type { GenerationClaims } from '../storage/generationClaims.js';

/**
 * A generation through the cache and its claims: served from the cache when it is there, else
 * predicted by this activity alone while any other asker for the same key waits for the cache entry
 * (see generationClaims.ts). `read: false` (the request's `cache: false`) predicts afresh without
 * looking, and without a key (URL-only outputs, never ours to serve) it just predicts; `predict`
 * remembers what it stored either way.
 */
export async function sharedGeneration<T>(
  claims: GenerationClaims,
  cache: { key: string | undefined; read: boolean },
  steps: { restore: (hit: CachedGeneration) => Promise<T>; predict: () => Promise<T> },
): Promise<T> {
  const key = cache.key;
  if (!key || !cache.read) return steps.predict();
  const ctx = Context.current();
  // The same on every attempt of this activity, so its retry takes its own claim back.
  const owner = `${ctx.info.workflowExecution?.workflowId ?? 'standalone'}/${ctx.info.activityId}`;
  const shared = await claims.hitOrClaim(key, owner, {
    signal: ctx.cancellationSignal,
    // Keep whatever checkpoint this attempt carries: a heartbeat replaces the details.
    onWait: () => ctx.heartbeat(ctx.info.heartbeatDetails),
    onWaiting: () => log.info('The same generation is being predicted for another run; waiting for it', { key }),
  });
  if (shared.hit) return steps.restore(shared.hit);
  try {
    return await steps.predict();
  } finally {
    await shared.claim.release();
  }
}
