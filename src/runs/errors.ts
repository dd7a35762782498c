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

/** A scene number outside the run's scenes: a not-found of its own, so a front end can say which scenes exist. */
export class SceneNotFoundError extends RunNotFoundError {
  override name = 'SceneNotFoundError';
  constructor(
    id: string,
    readonly sceneCount: number,
    message: string,
  ) {
    super('short', id, message);
  }
}

/**
 * A new run asked of a run in the wrong state: a revision needs a completed short (`not_completed`),
 * a retry a failed or cancelled one (`not_failed`), shorts from a long video a completed transcript
 * (`no_transcript`) of a file with a picture (`no_picture`).
 */
export class RunNotRevisableError extends Error {
  override name = 'RunNotRevisableError';
  constructor(
    readonly code: 'not_completed' | 'not_failed' | 'no_transcript' | 'no_picture',
    readonly id: string,
    readonly status: RunStatus,
    message: string,
  ) {
    super(message);
  }
}

/** An approval (or rejection) for a short that is not waiting in `awaiting-approval`. */
export class NotAwaitingApprovalError extends Error {
  override name = 'NotAwaitingApprovalError';
}

/** The workflow's validator refused an approval (another scene count than the plan): nothing changed. */
export class PlanEditRefusedError extends Error {
  override name = 'PlanEditRefusedError';
}
