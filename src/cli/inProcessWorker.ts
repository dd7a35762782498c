import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { CliError } from './errors.js';
import { waitForOwnWorkers } from './temporalSetup.js';
import { installWorkerRuntime } from './workerRuntime.js';

export interface InProcessWorker {
  /** Set when the worker died; a command waiting on a run should stop waiting. */
  failure(): CliError | undefined;
  stop(): Promise<void>;
}

/**
 * Runs the production worker (`runWorkerProcess`) inside this process, for a `make` with no
 * worker around. Resolves once it polls both queues, so its start-up output comes before any
 * progress display and a broken worker fails here instead of leaving the run waiting.
 */
export async function startInProcessWorker(
  client: Client,
  config: Config,
  signal: AbortSignal,
): Promise<InProcessWorker> {
  await installWorkerRuntime(config.logLevel === 'debug' || config.logLevel === 'error' ? config.logLevel : 'warn');
  const { runWorkerProcess } = await import('../worker/main.js');
  const controller = new AbortController();
  let failure: CliError | undefined;
  const running = runWorkerProcess(config, controller.signal).then(
    () => {
      if (!controller.signal.aborted) failure = new CliError('The in-process worker stopped unexpectedly.');
    },
    (err: unknown) => {
      failure = new CliError(
        `The in-process worker failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        'Run `reelflow worker` on its own to see its full output.',
      );
    },
  );
  const worker: InProcessWorker = {
    failure: () => failure,
    async stop() {
      controller.abort();
      await running;
    },
  };
  await waitForOwnWorkers(client, config, { signal, failure: () => failure });
  if (failure) throw failure;
  return worker;
}
