import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ActivityDeps, createPipelineActivities, createRenderQueueActivities } from '../activities/index.js';
import { renderQueueFor } from '../domain/taskQueues.js';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workflows/index.ts');

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  renderConcurrency: number;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests share one to skip re-bundling). */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * The two workers every worker process runs: workflows plus light activities on the main queue,
 * and rendering on its own queue whose slot count bounds how many ffmpeg encodes share the CPU.
 */
export async function createWorkers(options: WorkerSetOptions): Promise<Worker[]> {
  const { connection, namespace, taskQueue, deps } = options;
  const pipeline = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createPipelineActivities(deps),
  });
  const render = await Worker.create({
    connection,
    namespace,
    taskQueue: renderQueueFor(taskQueue),
    activities: createRenderQueueActivities(deps),
    maxConcurrentActivityTaskExecutions: options.renderConcurrency,
  });
  return [pipeline, render];
}

/** Runs workers until `signal` aborts (or one fails), then shuts them all down. */
export async function runWorkers(workers: Worker[], signal?: AbortSignal): Promise<void> {
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
  }
}
