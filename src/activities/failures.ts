import type { Context } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { FfmpegError } from '../media/ffmpeg.js';
import { type ErrorType, failure } from '../domain/errors.js';
import { isNoSpace, storageFullFailure } from '../storage/index.js';

/**
 * What leaves an activity is always typed: a Temporal failure (typed already, or a cancellation)
 * passes through, a full disk anywhere in the cause becomes StorageFull for `key`, and anything
 * else becomes `type`, its message `what` followed by the cause's.
 */
export function activityFailure(err: unknown, type: ErrorType, key: string, what: string): TemporalFailure {
  if (err instanceof TemporalFailure) return err;
  if (isNoSpace(err)) return storageFullFailure(key, err);
  return failure(type, `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/** A cancelled ffmpeg is the activity's cancellation; any other failure is typed, with ffmpeg's own words. */
export function ffmpegFailure(err: unknown, ctx: Context, type: ErrorType, key: string, what: string): unknown {
  if (err instanceof FfmpegError && err.aborted) return ctx.cancellationSignal.reason ?? err;
  const cause = err instanceof FfmpegError && err.stderrTail ? new Error(`${err.message}\n${err.stderrTail}`) : err;
  return activityFailure(cause, type, key, what);
}
