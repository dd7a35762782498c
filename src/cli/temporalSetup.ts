import type { Client } from '@temporalio/client';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import { findTemporalCli } from '../temporal/cliPath.js';
import { connectClient } from '../temporal/connect.js';
import { type DevServer, isListening, splitAddress, startDevServer } from '../temporal/devServer.js';
import { CliError } from './errors.js';
import { sleep } from './interrupt.js';
import { displayPath } from './format.js';

export type Log = (line: string) => void;

/** Where the embedded dev server keeps history, so `make` and `dev` share it across restarts. */
export function devServerDbFile(config: Config): string {
  return path.join(config.dataDir, 'temporal', 'dev.sqlite');
}

/**
 * Makes sure a Temporal server answers at TEMPORAL_ADDRESS: uses the one that is there, or starts
 * the embedded dev server (with Web UI) when the address is local. Returns the server it started.
 */
export async function ensureTemporal(config: Config, log: Log): Promise<DevServer | undefined> {
  const { address } = config.temporal;
  if (await isListening(address)) return undefined;
  const { host } = splitAddress(address);
  if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(host)) {
    throw new CliError(
      `No Temporal server answers at ${address}.`,
      'Check TEMPORAL_ADDRESS, or unset it to let reelflow start a local dev server.',
    );
  }
  let cliPath: string;
  try {
    cliPath = findTemporalCli(config.temporal.cliPath);
  } catch (err) {
    throw new CliError(`No Temporal server answers at ${address}, and ${lowerFirst((err as Error).message)}`);
  }
  const uiPort = Number(new URL(config.temporal.uiUrl).port) || 8233;
  const dbFile = devServerDbFile(config);
  log(
    `Starting a Temporal dev server at ${address} (Web UI ${config.temporal.uiUrl}, history in ${displayPath(dbFile)})…`,
  );
  let server: DevServer;
  try {
    server = await startDevServer({ cliPath, address, uiPort, dbFile, namespace: config.temporal.namespace });
  } catch (err) {
    throw new CliError(
      (err as Error).message.split('\n')[0]!,
      `Is port ${uiPort} or ${address} taken? Set TEMPORAL_ADDRESS / TEMPORAL_UI_URL to free ports.`,
    );
  }
  // The server runs in its own process group (Ctrl-C must not reach it before we cancel the run);
  // if this process exits without the usual cleanup, take the server down with it.
  const killOnExit = () => server.process.exitCode === null && server.process.kill('SIGTERM');
  process.once('exit', killOnExit);
  return {
    process: server.process,
    async stop() {
      await server.stop();
      process.off('exit', killOnExit);
    },
  };
}

export async function connect(config: Config): Promise<Client> {
  try {
    // A quick TCP check first: without it a missing server costs the full gRPC connect timeout.
    if (!(await isListening(config.temporal.address))) throw new Error('nothing listens there');
    return await connectClient(config);
  } catch (err) {
    throw new CliError(
      `Cannot reach the Temporal server at ${config.temporal.address} (${(err as Error).message.split('\n')[0]}).`,
      'Start one with `reelflow dev`, or point TEMPORAL_ADDRESS at a running server.',
    );
  }
}

export const TASK_QUEUE_TYPE_WORKFLOW = 1;
export const TASK_QUEUE_TYPE_ACTIVITY = 2;
/**
 * An idle worker re-polls about once a minute, so a poller last seen longer ago has gone away.
 * (The converse does not hold: a worker that stopped seconds ago still looks fresh.)
 */
const POLLER_FRESH_MS = 70_000;

export interface PollerFilter {
  /** Only pollers seen since this time (ms since epoch). */
  since?: number;
  /** Only this process's workers: the SDK's default identity is `<pid>@<host>`. */
  ownProcess?: boolean;
}

/** True when some worker polls both queues a short needs: workflows (main queue) and rendering. */
export async function workersPolling(client: Client, config: Config, filter: PollerFilter = {}): Promise<boolean> {
  const [workflowPollers, renderPollers] = await Promise.all([
    matchingPollers(client, config, config.taskQueue, TASK_QUEUE_TYPE_WORKFLOW, filter),
    matchingPollers(client, config, config.renderTaskQueue, TASK_QUEUE_TYPE_ACTIVITY, filter),
  ]);
  return workflowPollers > 0 && renderPollers > 0;
}

/**
 * Waits until this process's workers poll both queues, so a start-up message or a broken worker
 * shows before anything claims to be ready. Gives up quietly after `timeoutMs`.
 */
export async function waitForOwnWorkers(
  client: Client,
  config: Config,
  options: { signal: AbortSignal; failure: () => unknown; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline && !options.signal.aborted && !options.failure()) {
    if (await workersPolling(client, config, { ownProcess: true })) return;
    await sleep(250, options.signal);
  }
}

/** How many workers poll `queue` for workflow (1) or activity (2) tasks, as `filter` narrows them. */
export async function matchingPollers(
  client: Client,
  config: Config,
  queue: string,
  taskQueueType: 1 | 2,
  filter: PollerFilter = {},
): Promise<number> {
  const since = filter.since ?? Date.now() - POLLER_FRESH_MS;
  const response = await client.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: queue },
    taskQueueType,
  });
  return (response.pollers ?? []).filter((p) => {
    if (filter.ownProcess && !p.identity?.startsWith(`${process.pid}@`)) return false;
    const seenMs = Number(p.lastAccessTime?.seconds ?? 0) * 1000 + Math.floor((p.lastAccessTime?.nanos ?? 0) / 1e6);
    return seenMs >= since;
  }).length;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** True when some worker runs workflows on the main queue and some key worker polls the Replicate queue. */
export async function poolWorkersPolling(client: Client, config: Config): Promise<boolean> {
  const [workflows, keys] = await Promise.all([
    matchingPollers(client, config, config.taskQueue, TASK_QUEUE_TYPE_WORKFLOW),
    matchingPollers(client, config, replicateQueueFor(config.taskQueue), TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return workflows > 0 && keys > 0;
}
