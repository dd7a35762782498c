/**
 * Records real workflow histories for the replay test (test/replay.test.ts), one file per scenario
 * under test/fixtures/histories/<workflowType>/<scenario>.json.
 *
 *   node bin/run-ts.js scripts/recordHistory.ts                # every scenario
 *   node bin/run-ts.js scripts/recordHistory.ts imageBatch     # the scenarios of one workflow
 *   node bin/run-ts.js scripts/recordHistory.ts video-scenes   # one scenario
 *   node bin/run-ts.js scripts/recordHistory.ts --as v2 ...    # save as <scenario>-v2.json
 *
 * The rule (README, "Changing a workflow"): every change to a workflow's commands is guarded with
 * patched() or is a new workflow type, old recordings are never replaced, and each change adds a
 * recording of its own (`--as <name>`) so the new code path is replayed too. It starts its own
 * throwaway Temporal dev server, worker and Replicate emulator; nothing else needs to run.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { startEphemeralTemporal } from '../src/temporal/ephemeralServer.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { activityDepsFromConfig } from '../src/activities/index.js';
import { parseConfig } from '../src/config/index.js';
import { startElevenLabsEmulator } from '../src/emulators/elevenlabs/index.js';
import { startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { dataConverterFor } from '../src/temporal/dataConverter.js';
import { createWorkers, runWorkers } from '../src/worker/createWorkers.js';
import { approvePlanUpdate, getShortProgressQuery } from '../src/workflows/definitions.js';
import { setTimeout } from 'node:timers/promises';
import { storeFixtures } from './historyFixtures.js';
import { SCENARIOS, USER_TOKEN } from './historyScenarios.js';

const OUT_DIR = path.resolve('test/fixtures/histories');
const TOKEN = `r8_record${'x'.repeat(27)}`;

const { values, positionals } = parseArgs({ options: { as: { type: 'string' } }, allowPositionals: true });
// Positionals name workflow types or single scenarios.
const chosen = SCENARIOS.filter(
  (s) => positionals.length === 0 || positionals.includes(s.workflowType) || positionals.includes(s.name),
);
if (chosen.length === 0) throw new Error(`No scenario for ${positionals.join(', ')}`);

Runtime.install({ logger: new DefaultLogger('WARN') });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-record-'));
// Recordings are committed and replayed by anyone, with or without keys: they are recorded plain
// (PAYLOAD_ENCRYPTION=off). The replay test also replays them encrypted (test/replay.test.ts).
const plain = dataConverterFor(parseConfig({ DATA_DIR: dataDir, PAYLOAD_ENCRYPTION: 'off' }).payloads);
const env = await startEphemeralTemporal({ dataConverter: plain });
const emulator = await startReplicateEmulator({
  latencySeconds: 0.2,
  jitter: 0.2,
  tokens: [TOKEN, USER_TOKEN],
  sendWebhooks: false,
});
const llm = await startOpenAiEmulator();
const eleven = await startElevenLabsEmulator();
try {
  const config = parseConfig({
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    RENDER_PRESET: 'ultrafast',
    REPLICATE_API_TOKEN: TOKEN,
    REPLICATE_BASE_URL: emulator.url,
    REPLICATE_KEY_CONCURRENCY: '4',
    LLM_BASE_URL: llm.url,
    LLM_MODEL: 'emulator-planner',
    LLM_API_KEY: 'sk-record-history-0001',
    ELEVENLABS_BASE_URL: eleven.url,
    ELEVENLABS_API_KEY: `sk_${'r'.repeat(48)}`,
    PAYLOAD_ENCRYPTION: 'off',
  });
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'record-history',
    renderConcurrency: 1,
    deps: activityDepsFromConfig(config, new LocalStorage(dataDir)),
    dataConverter: plain,
    replicate: config.replicate,
    connect: () => import('@temporalio/worker').then((w) => w.NativeConnection.connect({ address: env.address })),
  });
  const controller = new AbortController();
  const running = runWorkers(workers, controller.signal);
  for (const scenario of chosen) {
    llm.setFaults(scenario.llmFault ? { plan: scenario.llmFault as never } : {}, 'replace');
    await storeFixtures(scenario, new LocalStorage(dataDir));
    if (scenario.parent) {
      await env.client.workflow.execute(scenario.parent.workflowType ?? scenario.workflowType, {
        taskQueue: 'record-history',
        workflowId: scenario.parent.workflowId,
        args: [scenario.parent.input],
      });
    }
    const handle = await env.client.workflow.start(scenario.workflowType, {
      taskQueue: 'record-history',
      workflowId: scenario.workflowId,
      args: [scenario.input],
    });
    if (scenario.approve) {
      while ((await handle.query(getShortProgressQuery)).stage !== 'awaiting-approval') await setTimeout(100);
      await handle.executeUpdate(approvePlanUpdate, { args: [scenario.approve] });
    }
    await handle.result();
    const history = await handle.fetchHistory();
    const file = path.join(OUT_DIR, scenario.workflowType, `${scenario.name}${values.as ? `-${values.as}` : ''}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      `${JSON.stringify({ workflowId: scenario.workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`,
    );
    console.log(`recorded ${history.events?.length} events to ${path.relative(process.cwd(), file)}`);
  }
  controller.abort();
  await running;
} finally {
  await Promise.all([emulator.close(), llm.close(), eleven.close()]);
  await env.teardown();
}
