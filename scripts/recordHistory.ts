/**
 * Records a real shortVideo history for the replay test (test/replay.test.ts). Run it after a
 * deliberate, patched() workflow change: `node bin/run-ts.js scripts/recordHistory.ts`.
 * It starts its own throwaway Temporal dev server and worker; nothing else needs to run.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { activityDepsFromConfig } from '../src/activities/index.js';
import { parseConfig } from '../src/config/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { findTemporalCli } from '../src/temporal/cliPath.js';
import { createWorkers, runWorkers } from '../src/worker/createWorkers.js';

const OUT = path.resolve('test/fixtures/shortVideo.history.json');

Runtime.install({ logger: new DefaultLogger('WARN') });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: findTemporalCli() }, ip: '127.0.0.1' },
});
try {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-record-'));
  const config = parseConfig({ ...process.env, DATA_DIR: dataDir, RENDER_PRESET: 'ultrafast' });
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'record-history',
    renderConcurrency: 1,
    deps: activityDepsFromConfig(config, new LocalStorage(dataDir)),
  });
  const controller = new AbortController();
  const running = runWorkers(workers, controller.signal);
  const handle = await env.client.workflow.start('shortVideo', {
    taskQueue: 'record-history',
    workflowId: 'short-en-recorded-history',
    args: [{ story: 'The fox woke up. It ran to the river. It slept in the sun.', sceneCount: 3, aspect: '1:1' }],
  });
  await handle.result();
  const history = await handle.fetchHistory();
  await writeFile(OUT, historyToJSON(history));
  console.log(`recorded ${history.events?.length} events to ${OUT}`);
  controller.abort();
  await running;
} finally {
  await env.teardown();
}
