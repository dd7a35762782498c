import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ActivityDeps, createPipelineActivities, createRenderQueueActivities } from '../activities/index.js';
import type { ReplicateConfig } from '../config/replicate.js';
import { renderQueueFor } from '../domain/taskQueues.js';
import { redactingInterceptors } from './redactFailures.js';
import { createReplicateWorkers } from './replicateWorkers.js';
import { UserKeyWorkers } from './userKeyWorkers.js';
import { createUserKeyActivities } from '../activities/userKey.js';
import { DEFAULT_REPLICATE_BASE_URL } from '../config/replicate.js';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  renderConcurrency: number;
  deps: ActivityDeps;
  /** From dataConverterFor(config.payloads); every worker of the set encodes and decodes with it. */
  dataConverter: DataConverter;
  /**
   * A prebuilt workflow bundle (tests share one to skip re-bundling). It must have been bundled with
   * `dataConverter.failureConverterPath`: the sandbox takes its failure converter from the bundle.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Key workers for the Replicate pool; omitted or keyless means offline only. */
  replicate?: ReplicateConfig;
  /** Opens another connection (needed for key workers: one worker per queue per connection). */
  connect?: () => Promise<NativeConnection>;
  /** Users' own tokens: predictions at once per token, and how long an idle user key worker stays. */
  userKeys?: { concurrency: number; idleMs: number };
}

/** The workers of one process and what to release after they stop. */
export interface WorkerSet {
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * The workers every worker process runs: workflows plus light activities on the main queue,
 * rendering on its own queue whose slot count bounds how many ffmpeg encodes share the CPU, and one
 * worker per Replicate key this process serves.
 */
export async function createWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  const { connection, namespace, taskQueue, deps, dataConverter } = options;
  // Users' own keys get key workers of their own, started by this process when a run asks.
  const userKeys = options.connect
    ? new UserKeyWorkers({
        connect: options.connect,
        namespace,
        taskQueue,
        dataConverter,
        baseUrl: options.replicate?.baseUrl ?? DEFAULT_REPLICATE_BASE_URL,
        storage: deps.storage,
        tools: deps.tools,
        concurrency: options.userKeys?.concurrency ?? 2,
        idleMs: options.userKeys?.idleMs ?? 600_000,
        createsPerSecond: options.replicate?.createsPerSecond ?? 10,
      })
    : undefined;
  const pipeline = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...createPipelineActivities(deps), ...createUserKeyActivities(userKeys) },
    interceptors: redactingInterceptors,
    dataConverter,
  });
  const render = await Worker.create({
    connection,
    namespace,
    taskQueue: renderQueueFor(taskQueue),
    activities: createRenderQueueActivities(deps),
    interceptors: redactingInterceptors,
    dataConverter,
    maxConcurrentActivityTaskExecutions: options.renderConcurrency,
  });
  if (!options.replicate?.servedKeys.length)
    return { workers: [pipeline, render], close: async () => void (await userKeys?.stopAll()) };
  if (!options.connect) throw new Error('createWorkers needs `connect` to serve Replicate keys');
  const keys = await createReplicateWorkers({
    connect: options.connect,
    namespace,
    taskQueue,
    dataConverter,
    replicate: options.replicate,
    storage: deps.storage,
    tools: deps.tools,
  });
  return {
    workers: [pipeline, render, ...keys.workers],
    close: async () => {
      await userKeys?.stopAll();
      await Promise.all(keys.stats.map((s) => s.flush()));
      await keys.webhooks?.close();
      await Promise.all(keys.connections.map((c) => c.close()));
    },
  };
}

/** Runs workers until `signal` aborts (or one fails), then shuts them all down. */
export async function runWorkers({ workers, close }: WorkerSet, signal?: AbortSignal): Promise<void> {
  const onAbort = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // One worker failing stops the others too: a half-running process would hide the failure.
    await Promise.all(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          onAbort();
          throw err;
        }),
      ),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await close();
  }
}
