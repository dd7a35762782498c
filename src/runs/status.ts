/** Where a run is, in the words of our API (Temporal's execution status, lower-cased and narrowed). */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** What the API and the CLI know about one run of any kind. */
export interface RunState<Progress, Result> {
  id: string;
  /** The kind's name: `short`, `batch`. */
  kind: string;
  runId: string;
  status: RunStatus;
  progress?: Progress;
  result?: Result;
  error?: { type: string; message: string };
  startedAt?: string;
  closedAt?: string;
  webUiUrl: string;
}

export function runStatusOf(temporalStatusName: string): RunStatus {
  const status = temporalStatusName.toLowerCase();
  return status === 'continued_as_new' || status === 'unspecified' ? 'running' : (status as RunStatus);
}

export function endedBadly(status: RunStatus): boolean {
  return status === 'failed' || status === 'timed_out' || status === 'terminated';
}

/** "timed out", "was terminated", "failed": how a sentence says the run ended badly. */
export function describeEnd(status: RunStatus): string {
  if (status === 'timed_out') return 'timed out';
  if (status === 'terminated') return 'was terminated';
  return 'failed';
}
