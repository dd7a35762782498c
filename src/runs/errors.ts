import type { RunStatus } from './status.js';

/**
 * What the run layer reports when a request cannot be served. The API maps each to one HTTP status
 * (api/errors.ts) and the CLI to one line of advice (cli/errors.ts); messages are written for the
 * person reading them and never carry a secret or a path.
 */
export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
  constructor(
    readonly kind: string,
    readonly id: string,
    message = `No ${kind} with id "${id.slice(0, 100)}".`,
  ) {
    super(message);
  }
}

export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/** A request that cannot work with this deployment's configuration (e.g. Replicate without keys). */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** Cancelling a run that has already ended. */
export class RunAlreadyFinishedError extends Error {
  override name = 'RunAlreadyFinishedError';
  constructor(
    readonly status: RunStatus,
    message: string,
  ) {
    super(message);
  }
}

/** A run's files were asked for before (or without) it completing: `code` says which case it is. */
export class RunNotCompletedError extends Error {
  override name = 'RunNotCompletedError';
  constructor(
    readonly code: 'not_ready' | 'cancelled' | 'failed' | 'timed_out' | 'terminated',
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The run completed, but a file it made is gone from storage. */
export class StoredFileMissingError extends Error {
  override name = 'StoredFileMissingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
