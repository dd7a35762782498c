import { isCancellation } from '@temporalio/workflow';
import type { LongVideoChunk, LongVideoPlan, LongVideoProgress } from '../domain/longVideo.js';
import { rootMessage } from './sceneSteps.js';

/**
 * Every chunk's work started at once, each chunk's row in the progress following it (running, then
 * succeeded or failed with its error; `changed` publishes it). Settles with every outcome; a
 * cancellation is left to the caller, which must end the run with it.
 */
export function eachChunk<T>(
  plan: LongVideoPlan,
  progress: LongVideoProgress,
  changed: () => void,
  work: (chunk: LongVideoChunk) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(
    plan.chunks.map(async (chunk) => {
      const state = progress.chunks[chunk.index]!;
      state.status = 'running';
      changed();
      try {
        const done = await work(chunk);
        state.status = 'succeeded';
        changed();
        return done;
      } catch (err) {
        if (isCancellation(err)) throw err;
        state.status = 'failed';
        state.error = rootMessage(err);
        changed();
        throw err;
      }
    }),
  );
}

/** The first cancellation among the outcomes, thrown: a cancelled run ends cancelled, not failed. */
export function throwIfCancelled(settled: readonly PromiseSettledResult<unknown>[]): void {
  const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
  if (cancelled?.status === 'rejected') throw cancelled.reason;
}
