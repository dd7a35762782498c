/**
 * The workers a benchmark runs in process: every queue of `taskQueue`, with the production
 * activities over `dataDir`, against the benchmark's own ephemeral Temporal server.
 */
import { NativeConnection } from '@temporalio/worker';
import { activityDepsFromConfig } from '../../src/activities/index.js';
import type { Config } from '../../src/config/index.js';
import { LocalStorage } from '../../src/storage/index.js';
import { dataConverterFor } from '../../src/temporal/dataConverter.js';
import type { startEphemeralTemporal } from '../../src/temporal/ephemeralServer.js';
import { createWorkers, runWorkers } from '../../src/worker/createWorkers.js';

type Temporal = Awaited<ReturnType<typeof startEphemeralTemporal>>;

export async function startBenchWorkers(
  temporal: Temporal,
  config: Config,
  dataDir: string,
  taskQueue: string,
): Promise<{ stop(): Promise<void> }> {
  const workers = await createWorkers({
    connection: temporal.nativeConnection,
    namespace: 'default',
    taskQueue,
    renderConcurrency: 1,
    deps: activityDepsFromConfig(config, new LocalStorage(dataDir)),
    dataConverter: dataConverterFor(config.payloads),
    replicate: config.replicate,
    connect: () => NativeConnection.connect({ address: temporal.address }),
  });
  const controller = new AbortController();
  const running = runWorkers(workers, controller.signal);
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
