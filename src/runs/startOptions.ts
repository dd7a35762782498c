import type { RunStatus } from './status.js';

/** What starting a run gives back, and how it may be started (RunService.start). */
export interface StartedRun {
  id: string;
  runId: string;
  /** False when an Idempotency-Key matched a run that already existed. */
  created: boolean;
  /** The run's status now: a retried POST may find it already finished. */
  status: RunStatus;
  webUiUrl: string;
}

export interface StartOptions {
  idempotencyKey?: string;
  /** Task queue for the run; defaults to `config.taskQueue` (tests use their own). */
  taskQueue?: string;
  /** The new ID's readable parts, instead of the kind's own (a revision names its parent). */
  idParts?: string[];
  /**
   * A user's own Replicate token (checked by the API): the run predicts with it alone. It travels
   * in the workflow's input, which the payload codec encrypts.
   */
  replicateToken?: string;
  /** Who started it (see `RunService.for`): kept in the memo; only that owner sees the run again. */
  owner?: string;
}
