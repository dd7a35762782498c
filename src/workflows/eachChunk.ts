import { isCancellation } from '@temporalio/workflow';
import type {
  ChunkCallInput,
  LongVideoChunk,
  LongVideoInput,
  LongVideoPlan,
  LongVideoProgress,
} from '../domain/longVideo.js';
import { rootMessage } from './sceneSteps.js';

/** What a task's branch of the workflow is handed once the video is cut into chunks. */
export interface LongVideoTaskRun {
  id: string;
  input: LongVideoInput;
  plan: LongVideoPlan;
  progress: LongVideoProgress;
  /** Publishes the progress (the Web UI's details). */
  changed: () => void;
  stage: (s: LongVideoProgress['stage']) => void;
}

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

/** A chunk's call to a model on the key pool (the workflow's id names its storage and its log lines). */
export function chunkCall(
  id: string,
  chunk: LongVideoChunk,
  model: string,
  language: string | undefined,
): ChunkCallInput {
  return {
    runKey: id,
    videoId: id,
    index: chunk.index,
    chunkRef: chunk.ref,
    startSec: chunk.startSec,
    endSec: chunk.endSec,
    model,
    ...(language ? { language } : {}),
  };
}
