import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
  bundleWorkflowCode,
} from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { type ActivityDeps } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { ReplicateConfig } from '../../src/config/replicate.js';
import { createEspeakProvider } from '../../src/providers/espeak.js';
import { createSafeFetcher } from '../../src/net/safeFetch.js';
import { createOfflineArtProvider } from '../../src/providers/offlineArt.js';
import { LocalStorage } from '../../src/storage/index.js';
import { dataConverterFor } from '../../src/temporal/dataConverter.js';
import { WORKFLOWS_PATH, createWorkers, runWorkers } from '../../src/worker/createWorkers.js';

export const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', espeak: 'espeak-ng' };

/**
 * The suite's payload configuration: PAYLOAD_KEYS made for this run by vitest.config.ts, which
 * every process the suite spawns inherits, so test clients, test workers, `reelflow` children and
 * the API under test all encrypt and decrypt alike, as one deployment does.
 */
export const testConfig = parseConfig(process.env);
export const testDataConverter = dataConverterFor(testConfig.payloads);

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling takes seconds; every worker in one test file shares the bundle (with the suite's failure converter). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: testDataConverter.failureConverterPath,
    logger: quietLogger,
  });
  return bundle;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

export async function connectTestClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection, dataConverter: testDataConverter });
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'reelflow-test-'));
}

export function offlineDeps(dataDir: string, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    storage: new LocalStorage(dataDir),
    tools,
    renderPreset: 'ultrafast',
    visualProviders: { 'offline-art': createOfflineArtProvider() },
    defaultVisualProvider: 'offline-art',
    narrationProvider: createEspeakProvider({ espeakPath: tools.espeak }),
    // Tests serve music and other media from their own loopback servers.
    fetcher: createSafeFetcher({
      allow: ['127.0.0.1', '::1', 'localhost'],
      maxBytes: 50 * 1024 * 1024,
      timeoutMs: 30_000,
    }),
    ...overrides,
  };
}

export interface RunningWorkers {
  taskQueue: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts the production worker set on a fresh task queue, so test files never share work. */
let runtimeInstalled = false;
/** Worker state chatter drowns test output; keep warnings and errors. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      // Activity-only workers say this by design (render and key workers); it is not a problem.
      if (entry.message.startsWith('No workflows registered')) return;
      console.error(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
    }),
  });
}

export async function startTestWorkers(
  options: { dataDir?: string; deps?: Partial<ActivityDeps>; taskQueue?: string; replicate?: ReplicateConfig } = {},
): Promise<RunningWorkers> {
  quietRuntime();
  const dataDir = options.dataDir ?? (await tempDataDir());
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const workers = await createWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    renderConcurrency: 1,
    deps: offlineDeps(dataDir, options.deps),
    dataConverter: testDataConverter,
    workflowBundle: await workflowBundle(),
    replicate: options.replicate,
    connect: () => NativeConnection.connect({ address: inject('temporalAddress') }),
  });
  const controller = new AbortController();
  const running = runWorkers(workers, controller.signal);
  return {
    taskQueue,
    dataDir,
    async stop() {
      controller.abort();
      await running;
      await connection.close();
    },
  };
}
