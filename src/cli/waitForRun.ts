import { RunAlreadyFinishedError } from '../runs/errors.js';
import type { RunKind } from '../runs/kind.js';
import type { RunService } from '../runs/service.js';
import type { RunState } from '../runs/status.js';
import type { CliError } from './errors.js';
import { sleep } from './interrupt.js';

/** Draws the run's progress while the CLI waits. */
export interface RunView<S> {
  update(status: S | undefined): void;
  /** Leaves the last picture on screen and moves below it. */
  finish(): void;
  /** Prints a line above the live picture without tearing it. */
  note(line: string): void;
}

export interface WaitOptions<S> {
  view: RunView<S>;
  /** Shown when Ctrl-C asks Temporal to cancel the run. */
  cancellingNote: string;
  /** Aborts on Ctrl-C: the run is then cancelled, not abandoned. */
  interrupt: AbortSignal;
  /** A worker this process runs; its death ends the wait. */
  workerFailure?: () => CliError | undefined;
  /**
   * Called once when no worker has touched the run for a while. The poller list cannot tell a
   * worker that stopped a minute ago from a live one, so the command starts its own worker here.
   */
  onUnattended?: () => Promise<void>;
  /** Stops waiting early, the run still running, once this holds (`make --approve`: the plan waits). */
  until?: (status: S) => boolean;
}

export interface WaitOutcome<S> {
  status: S;
  /** True when Ctrl-C asked Temporal to cancel the run. */
  cancelRequested: boolean;
}

const POLL_MS = 500;
/** After a cancel request, how long to watch the run wind down before leaving it to Temporal. */
const CANCEL_WAIT_MS = 20_000;
/** Transient errors (a blip in the connection) are tolerated this many times in a row. */
const MAX_CONSECUTIVE_ERRORS = 5;
/** A worker answers the progress query within a few seconds of the run starting. */
const UNATTENDED_MS = 10_000;

/** Polls a run's state about every half second until it closes (or `until`), drawing progress as it goes. */
export async function waitForRun<P, R>(
  runs: RunService,
  kind: RunKind<unknown, unknown, P, R>,
  id: string,
  options: WaitOptions<RunState<P, R>>,
): Promise<WaitOutcome<RunState<P, R>>> {
  type S = RunState<P, R>;
  const { view, interrupt } = options;
  let cancelRequestedAt: number | undefined;
  let errors = 0;
  let status: S | undefined;
  const startedAt = Date.now();
  let onUnattended = options.onUnattended;
  for (;;) {
    const failure = options.workerFailure?.();
    if (failure) throw failure;
    try {
      status = await runs.get(kind, id);
      errors = 0;
    } catch (err) {
      if (++errors >= MAX_CONSECUTIVE_ERRORS) throw err;
    }
    view.update(status);
    if (status && status.status !== 'running') return { status, cancelRequested: cancelRequestedAt !== undefined };
    if (status && cancelRequestedAt === undefined && !interrupt.aborted && options.until?.(status)) {
      return { status, cancelRequested: false };
    }
    if (onUnattended && status && !status.progress && Date.now() - startedAt > UNATTENDED_MS && !interrupt.aborted) {
      await onUnattended();
      onUnattended = undefined;
    }
    if (interrupt.aborted && cancelRequestedAt === undefined) {
      cancelRequestedAt = Date.now();
      view.note(options.cancellingNote);
      await runs.cancel(kind, id).catch((err: unknown) => {
        // It ended just as Ctrl-C came: nothing left to cancel, and the loop reports how it ended.
        if (!(err instanceof RunAlreadyFinishedError)) throw err;
      });
    }
    if (status && cancelRequestedAt !== undefined && Date.now() - cancelRequestedAt > CANCEL_WAIT_MS) {
      return { status, cancelRequested: true };
    }
    await sleep(POLL_MS, cancelRequestedAt === undefined ? interrupt : undefined);
  }
}
