import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { EXIT_INTERRUPTED } from './errors.js';
import { type InProcessWorker, startInProcessWorker } from './inProcessWorker.js';
import { onInterrupt } from './interrupt.js';
import { tryEnsureSearchAttributes } from '../temporal/ensureSearchAttributes.js';
import { type Log, connect, ensureTemporal } from './temporalSetup.js';
import type { WaitOptions } from './waitForRun.js';

export interface LocalStackOptions {
  log: Log;
  /** What the command starts, for messages: "run", "batch". */
  noun: string;
  /** True when workers already poll every queue the command's run needs. */
  queuesPolled: (client: Client) => Promise<boolean>;
  /** The queues those are, for the message when none poll: `task queue "reelflow"`. */
  describeQueues: string;
  /**
   * Checks that can refuse the command (a revision of a short that did not complete), run once
   * Temporal answers but before a worker is started for nothing.
   */
  prepare?: (client: Client) => Promise<void>;
}

export interface LocalStack {
  client: Client;
  /** Aborts on the first Ctrl-C. */
  interrupt: AbortSignal;
  /** True when this command started the dev server, which has stopped again by the time it prints. */
  startedServer: boolean;
  /**
   * The worker half of the wait options: the in-process worker's death ends the wait, and a run no
   * worker picks up gets one started here (unless this process already runs one).
   */
  workerWatch(view: { note(line: string): void }): Pick<WaitOptions<unknown>, 'workerFailure' | 'onUnattended'>;
}

/**
 * Gives a command everything it needs to start a run and wait for it on this machine: a Temporal
 * server (the embedded dev server when none answers locally), a client, and a worker in this
 * process when none polls. Everything it started is stopped again once `body` settles, so a
 * one-shot command leaves nothing behind. Returns EXIT_INTERRUPTED without calling `body` when
 * Ctrl-C came during the set-up, so nothing is started that nobody waits for.
 */
export async function withLocalStack(
  config: Config,
  options: LocalStackOptions,
  body: (stack: LocalStack) => Promise<number>,
): Promise<number> {
  const { log, noun } = options;
  // Taken before the set-up, so Ctrl-C while the dev server starts is seen rather than fatal.
  const interrupt = onInterrupt();
  const server = await ensureTemporal(config, log);
  let worker: InProcessWorker | undefined;
  const client = await connect(config).catch(async (err: unknown) => {
    await server?.stop();
    throw err;
  });
  try {
    await tryEnsureSearchAttributes(client, config.temporal.namespace);
    await options.prepare?.(client);
    if (!(await options.queuesPolled(client))) {
      log(`No worker polls ${options.describeQueues}; running one in this process.`);
      worker = await startInProcessWorker(client, config, interrupt.signal);
    }
    if (interrupt.signal.aborted) {
      log(`reelflow: interrupted before the ${noun} started; nothing was started.`);
      return EXIT_INTERRUPTED;
    }
    return await body({
      client,
      interrupt: interrupt.signal,
      startedServer: server !== undefined,
      workerWatch: (view) => ({
        workerFailure: () => worker?.failure(),
        onUnattended: worker
          ? undefined
          : async () => {
              view.note(
                `No worker has picked up the ${noun} (the one seen on the queue may have stopped); running one in this process.`,
              );
              worker = await startInProcessWorker(client, config, interrupt.signal);
            },
      }),
    });
  } finally {
    interrupt.dispose();
    await worker?.stop();
    await client.connection.close();
    await server?.stop();
  }
}
