import { NativeConnection } from '@temporalio/worker';
import { activityDepsFromConfig } from '../activities/index.js';
import type { Config } from '../config/index.js';
import { LocalStorage } from '../storage/index.js';
import { connectClient } from '../temporal/connect.js';
import { dataConverterFor, describePayloadEncryption } from '../temporal/dataConverter.js';
import { tryEnsureSearchAttributes } from '../temporal/ensureSearchAttributes.js';
import { createWorkers, runWorkers } from './createWorkers.js';
import { describePool, describeWebhooks } from './replicateWorkers.js';

/**
 * A worker process: workflows + light activities on the main queue, rendering on the render queue.
 * Runs until `signal` aborts; SIGINT/SIGTERM handling belongs to the caller (the CLI).
 */
export async function runWorkerProcess(config: Config, signal?: AbortSignal): Promise<void> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    await prepareNamespace(config);
    const deps = activityDepsFromConfig(config, new LocalStorage(config.dataDir));
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      renderConcurrency: config.renderConcurrency,
      deps,
      dataConverter: dataConverterFor(config.payloads),
      replicate: config.replicate,
      connect: () => NativeConnection.connect({ address: config.temporal.address }),
    });
    console.error(describePool(config.replicate));
    console.error(describePayloadEncryption(config.payloads));
    const webhooks = describeWebhooks(config.replicate);
    if (webhooks) console.error(webhooks);
    console.error(
      `reelflow worker: queues "${config.taskQueue}" and "${config.renderTaskQueue}" (render slots: ${config.renderConcurrency}), data in ${config.dataDir}`,
    );
    await runWorkers(workers, signal);
  } finally {
    await connection.close();
  }
}

/** Workflows upsert their stage; in a namespace nobody prepared yet, that needs the attributes registered. */
async function prepareNamespace(config: Config): Promise<void> {
  const client = await connectClient(config).catch(() => undefined);
  if (!client) return;
  try {
    await tryEnsureSearchAttributes(client, config.temporal.namespace);
  } finally {
    await client.connection.close();
  }
}
