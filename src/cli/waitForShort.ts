import type { Client } from '@temporalio/client';
import { type ShortStatus, cancelShort, getShortStatus } from '../client/shorts.js';
import type { Config } from '../config/index.js';
import type { ProgressView } from './progressView.js';
import { type WaitOutcome, type WaitOptions as RunWaitOptions, waitForRun } from './waitForRun.js';

export interface WaitOptions extends RunWaitOptions<ShortStatus> {
  view: ProgressView;
}

/** Waits for a short until it closes; Ctrl-C cancels it (see `waitForRun`). */
export function waitForShort(
  client: Client,
  config: Config,
  id: string,
  options: WaitOptions,
): Promise<WaitOutcome<ShortStatus>> {
  return waitForRun(
    {
      read: () => getShortStatus(client, config, id),
      cancel: () => cancelShort(client, config, id),
      cancellingNote: `reelflow: asking Temporal to cancel ${id}; the run stops at its next step…`,
    },
    options,
  );
}
