import type { Client } from '@temporalio/client';
import { type ShortStatus, cancelShort, getShortStatus } from '../client/shorts.js';
import type { Config } from '../config/index.js';
import type { CliError } from './errors.js';
import { sleep } from './interrupt.js';
import type { ProgressView } from './progressView.js';

export interface WaitOptions {
  view: ProgressView;
  /** Aborts on Ctrl-C: the run is then cancelled, not abandoned. */
  interrupt: AbortSignal;
  /** A worker this process runs; its death ends the wait. */
  workerFailure?: () => CliError | undefined;
  /**
   * Called once when no worker has touched the run for a while. The poller list cannot tell a
   * worker that stopped a minute ago from a live one, so `make` starts its own worker here.
   */
  onUnattended?: () => Promise<void>;
}

export interface WaitOutcome {
  status: ShortStatus;
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

/** Polls a run's status about every half second until it closes, drawing progress as it goes. */
export async function waitForShort(
  client: Client,
  config: Config,
  id: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const { view, interrupt } = options;
  let cancelRequestedAt: number | undefined;
  let errors = 0;
  let status: ShortStatus | undefined;
  const startedAt = Date.now();
  let onUnattended = options.onUnattended;
  for (;;) {
    const failure = options.workerFailure?.();
    if (failure) throw failure;
    try {
      status = await getShortStatus(client, config, id);
      errors = 0;
    } catch (err) {
      if (++errors >= MAX_CONSECUTIVE_ERRORS) throw err;
    }
    view.update(status);
    if (status && status.status !== 'running') return { status, cancelRequested: cancelRequestedAt !== undefined };
    if (onUnattended && status && !status.progress && Date.now() - startedAt > UNATTENDED_MS && !interrupt.aborted) {
      await onUnattended();
      onUnattended = undefined;
    }
    if (interrupt.aborted && cancelRequestedAt === undefined) {
      cancelRequestedAt = Date.now();
      view.note(`reelflow: asking Temporal to cancel ${id}; the run stops at its next step…`);
      await cancelShort(client, config, id);
    }
    if (status && cancelRequestedAt !== undefined && Date.now() - cancelRequestedAt > CANCEL_WAIT_MS) {
      return { status, cancelRequested: true };
    }
    await sleep(POLL_MS, cancelRequestedAt === undefined ? interrupt : undefined);
  }
}
