/**
 * What `reelflow image` and `reelflow video` share: a run on the Replicate key pool started through
 * the API's own route in process (the same checks, intake and errors as over HTTP), on a local
 * stack that starts a dev server and a worker when none run, then followed to its end.
 */
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app.js';
import type { Config } from '../config/index.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import type { RunKind } from '../runs/kind.js';
import { RunService } from '../runs/service.js';
import type { RunState } from '../runs/status.js';
import { LocalStorage, type Storage } from '../storage/index.js';
import { CliError, EXIT_INTERRUPTED } from './errors.js';
import { withLocalStack } from './localStack.js';
import { poolWorkersPolling } from './temporalSetup.js';
import { type RunView, waitForRun } from './waitForRun.js';

export interface PoolRun<P, R> {
  kind: RunKind<unknown, unknown, P, R>;
  /** "image", "video": in messages. */
  noun: string;
  /** Why it needs keys, when none are configured ("Long videos are transcribed on Replicate"); unset: it needs none. */
  needsKeys?: string;
  /** The API path and request (`/v1/videos`, a multipart or JSON body). */
  path: string;
  request: RequestInit;
  view: RunView<RunState<P, R>>;
  startedLine: (id: string) => string;
  cancellingNote: (id: string) => string;
  /** The completed run's result: save it, print it; returns the exit code. */
  done: (state: RunState<P, R> & { result: R }, storage: Storage) => Promise<number>;
}

export async function poolRunThroughApi<P, R>(config: Config, run: PoolRun<P, R>): Promise<number> {
  if (run.needsKeys && config.replicate.keys.length === 0) {
    throw new CliError(
      `${run.needsKeys}, and no Replicate keys are configured.`,
      'Set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N); `reelflow emulator` runs a local stand-in.',
    );
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stack = {
    log,
    noun: run.noun,
    queuesPolled: (client: Client) => poolWorkersPolling(client, config),
    describeQueues: `task queues "${config.taskQueue}" and "${replicateQueueFor(config.taskQueue)}"`,
  };
  return withLocalStack(config, stack, async ({ client, interrupt, workerWatch }) => {
    const storage = new LocalStorage(config.dataDir);
    const app = createApp({ client, config, storage });
    const res = await app.request(run.path, { method: 'POST', ...run.request });
    const answer = (await res.json()) as { id?: string; error?: { code: string; message: string } };
    if (res.status !== 202 || !answer.id) {
      process.stderr.write(`reelflow: ${answer.error?.message ?? `the service answered ${res.status}`}\n`);
      return 1;
    }
    log(run.startedLine(answer.id));
    const { status, cancelRequested } = await waitForRun(new RunService(client, config), run.kind, answer.id, {
      view: run.view,
      interrupt,
      cancellingNote: run.cancellingNote(answer.id),
      ...workerWatch(run.view),
    });
    run.view.finish();
    if (cancelRequested) return EXIT_INTERRUPTED;
    if (status.status !== 'completed' || status.result === undefined) {
      process.stderr.write(
        `reelflow: ${status.id} ended ${status.status}${status.error ? `: ${status.error.message}` : ''}\n`,
      );
      return 1;
    }
    return run.done(status as RunState<P, R> & { result: R }, storage);
  });
}
