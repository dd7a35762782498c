import { ApplicationFailure } from '@temporalio/common';

/**
 * The one vocabulary of failure types. Every ApplicationFailure we raise uses one of these as its
 * `type`; the API maps them to HTTP statuses and the CLI to advice. Non-retryable types are the
 * ones where trying again cannot help.
 */
export const ErrorTypes = {
  InvalidInput: 'InvalidInput',
  ToolMissing: 'ToolMissing',
  AssetMissing: 'AssetMissing',
  NarrationFailed: 'NarrationFailed',
  VisualFailed: 'VisualFailed',
  RenderFailed: 'RenderFailed',
  /** A video scene's clip failed for good in a `strict` run (otherwise the scene shows its still). */
  VideoFailed: 'VideoFailed',
  /** The music bed could not be made, fetched or decoded (retried; a refused URL is InvalidInput). */
  MusicFailed: 'MusicFailed',
  /** A long video's source URL did not answer or broke off (retried; a refused URL is InvalidInput). */
  SourceUnavailable: 'SourceUnavailable',
  /** A long video's chunk failed for good in a `strict` run (otherwise the video completes without it). */
  ChunkFailed: 'ChunkFailed',
  /** The plan waited for its approval longer than the run allowed (nothing was paid for). */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** A prediction would have taken the run past its budget cap (`onExceed: "fail"`); it was not started. */
  BudgetExceeded: 'BudgetExceeded',
  /**
   * The disk under DATA_DIR is full ("no space left on device"), from any write: our own, espeak's,
   * ffmpeg's or a download's. Retryable with the normal policy on purpose: space comes back (a
   * failed attempt's partial file is discarded, parallel scenes finish, someone removes old runs),
   * and a retry is cheap because every finished asset is reused. Non-retryable would fail a whole
   * run on a passing squeeze.
   */
  StorageFull: 'StorageFull',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];

const NON_RETRYABLE: ReadonlySet<ErrorType> = new Set([
  ErrorTypes.InvalidInput,
  ErrorTypes.ToolMissing,
  ErrorTypes.AssetMissing,
]);

/** Names of types that retry policies must never retry, for `retry.nonRetryableErrorTypes`. */
export const nonRetryableErrorTypes: string[] = [...NON_RETRYABLE];

export function failure(type: ErrorType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NON_RETRYABLE.has(type),
    details: details === undefined ? undefined : [details],
  });
}
