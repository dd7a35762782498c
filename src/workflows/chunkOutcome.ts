import { ApplicationFailure, log } from '@temporalio/workflow';
import { ErrorTypes } from '../domain/errors.js';
import type { LongVideoProgress } from '../domain/longVideo.js';

/**
 * What a long video's chunks came to, for every task: the ones made, and the summary line
 * ("3 chunks: 3 successful, 0 failed"), logged. A chunk that failed for good fails the video when
 * it is `strict` or when no chunk was made at all (ChunkFailed, naming the first that failed).
 */
export function chunkOutcome<T>(
  id: string,
  settled: readonly PromiseSettledResult<T>[],
  progress: LongVideoProgress,
  strict: boolean,
): { made: T[]; summary: string } {
  const made = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = progress.chunks.filter((c) => c.status === 'failed');
  const summary = `${progress.chunks.length} chunks: ${made.length} successful, ${failed.length} failed`;
  log.info(`${id}: ${summary}`);
  if (failed.length > 0 && (strict || made.length === 0)) {
    throw ApplicationFailure.create({
      type: ErrorTypes.ChunkFailed,
      nonRetryable: true,
      message: `${summary}; chunk ${failed[0]!.index} failed: ${failed[0]!.error}`,
    });
  }
  return { made, summary };
}

/** The costs that are known, summed to the millionth of a dollar (no float noise); undefined when none is. */
export function totalCost(costs: readonly (number | undefined)[]): number | undefined {
  const known = costs.filter((c): c is number => c !== undefined);
  return known.length ? Math.round(known.reduce((a, b) => a + b, 0) * 1e6) / 1e6 : undefined;
}
