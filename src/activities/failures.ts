import { TemporalFailure } from '@temporalio/common';
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
