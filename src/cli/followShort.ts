import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/index.js';
import type { ShortResult } from '../domain/result.js';
import { type ShortState, shortKind } from '../runs/kinds/short.js';
import type { RunService } from '../runs/service.js';
import { CliError } from './errors.js';
import type { LocalStack, LocalStackOptions } from './localStack.js';
import { type Log, workersPolling } from './temporalSetup.js';
import { createShortProgressView } from './views/shortProgress.js';
import { printJson, printSummary, reportCancelled, reportFailure } from './views/shortSummary.js';
import { type WaitOutcome, waitForRun } from './waitForRun.js';

/**
 * The second half of `make`, shared by every command that starts a short and waits for it
 * (`regenerate`, `retry`): the live progress view until the run closes, then the MP4 copied to
 * `--out` and the summary, or one line saying why there is no video.
 */

export interface Delivery {
  out: string;
  json: boolean;
  config: Config;
}

/** The local stack a short needs: a worker on the main queue and on rendering. */
export function shortStack(config: Config, log: Log): LocalStackOptions {
  return {
    log,
    noun: 'run',
    queuesPolled: (client) => workersPolling(client, config),
    describeQueues: `task queue "${config.taskQueue}"`,
  };
}

/** `--out`, or `<id>.mp4` in the working directory for commands whose new id nobody knows in advance. */
export function outPath(flag: string | undefined, id: string): string {
  return path.resolve(flag ?? `${id}.mp4`);
}

/** Draws the short's progress until it closes, or until `until` holds (the plan waits for approval). */
export async function watchShort(
  runs: RunService,
  stack: LocalStack,
  id: string,
  until?: (status: ShortState) => boolean,
): Promise<WaitOutcome<ShortState>> {
  const view = createShortProgressView();
  const outcome = await waitForRun(runs, shortKind, id, {
    view,
    interrupt: stack.interrupt,
    cancellingNote: `reelflow: asking Temporal to cancel ${id}; the run stops at its next step…`,
    ...stack.workerWatch(view),
    ...(until ? { until } : {}),
  });
  view.finish();
  return outcome;
}

/** Waits for the short and reports it: exit code 0 with the video at `out`, 1 failed, 130 cancelled. */
export async function followShort(runs: RunService, stack: LocalStack, id: string, delivery: Delivery) {
  return deliverShort(await watchShort(runs, stack, id), stack, delivery);
}

export async function deliverShort(
  { status, cancelRequested }: WaitOutcome<ShortState>,
  stack: LocalStack,
  { out, json, config }: Delivery,
): Promise<number> {
  if (cancelRequested) return reportCancelled(status);
  if (status.status !== 'completed' || !status.result) return reportFailure(status);
  const sizeBytes = await copyVideo(status.result, out);
  const delivered = { id: status.id, output: out, sizeBytes, webUiUrl: status.webUiUrl };
  if (json) printJson(delivered, status.result);
  else printSummary(delivered, status.result, config, stack.startedServer);
  return 0;
}

async function copyVideo(result: ShortResult, out: string): Promise<number> {
  await mkdir(path.dirname(out), { recursive: true });
  try {
    await copyFile(result.videoPath, out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new CliError(
      `The video is ready at ${result.videoPath} on the worker's storage, which this machine cannot read.`,
      'Run the CLI where DATA_DIR is shared with the workers, or download it through the HTTP API.',
    );
  }
  return (await stat(out)).size;
}
