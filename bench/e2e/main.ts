/**
 * bench:e2e — a 5-scene short end to end on a real Temporal dev server, every AI service emulated
 * at realistic latencies: the LLM planner (3 s), images on the Replicate key pool (4 s ± 50 %),
 * ElevenLabs narration (1.5 s), a generated music bed, the soundtrack mix and the render.
 *
 * 1. The short as users make it (one-pass render): its wall time (workflow start → close), the
 *    critical path computed from the same run's activity timings (plan + the slowest of: a scene's
 *    image, or the later of the last narration and the music bed plus the mix; + render), and their
 *    ratio. The gap is orchestration: task dispatch, the workflow's own turns. Target ≤ 1.10.
 * 2. A short of another story of the same length made for editing (`render: "segmented"`), then its
 *    scene 2 regenerated with a new image prompt through the HTTP API: the revision's wall time and
 *    its ratio to that first run. Target ≤ 0.35. (Two stories, so the second first run finds none
 *    of the first's voices, bed or mix in the cache.)
 *
 * Knobs: BENCH_LLM_SECONDS (3), BENCH_IMAGE_SECONDS (4), BENCH_SPEECH_SECONDS (1.5), BENCH_SCENES (5).
 */
import { startEphemeralTemporal } from '../../src/temporal/ephemeralServer.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app.js';
import type { ShortResult } from '../../src/domain/result.js';
import { parseConfig } from '../../src/config/index.js';
import { startElevenLabsEmulator } from '../../src/emulators/elevenlabs/index.js';
import { startOpenAiEmulator } from '../../src/emulators/openai/index.js';
import { startReplicateEmulator } from '../../src/emulators/replicate/index.js';
import { shortKind } from '../../src/runs/kinds/short.js';
import { RunService } from '../../src/runs/service.js';
import { LocalStorage } from '../../src/storage/index.js';
import { dataConverterFor } from '../../src/temporal/dataConverter.js';
import { startBenchWorkers } from '../support/workers.js';
import { line, printRun, timingsOf, verdict } from './report.js';

const LLM_SECONDS = Number(process.env.BENCH_LLM_SECONDS ?? 3);
const IMAGE_SECONDS = Number(process.env.BENCH_IMAGE_SECONDS ?? 4);
const SPEECH_SECONDS = Number(process.env.BENCH_SPEECH_SECONDS ?? 1.5);
const SCENES = Number(process.env.BENCH_SCENES ?? 5);
const TOKEN = `r8_benche2e${'x'.repeat(25)}`;
const ELEVEN_KEY = `sk_${'b'.repeat(48)}`;
const STORY =
  'Every evening, old Mira climbed the hundred steps of the lighthouse. One stormy night she saw a small fishing boat tossed between the waves. ' +
  'She turned the beam toward the rocks and swung it slowly, again and again. At dawn the boat came home, and a little boy ran up the path to thank her. ' +
  'From then on, the fishermen called her light the kindest star on the coast.';

const OTHER_STORY =
  'Every morning, young Tomas rowed his little boat past the old stone pier. One foggy day he heard a bell ringing far out at sea. ' +
  'He followed the sound slowly, calling out again and again. By noon he found a drifting buoy, its bell swinging, and towed it back to the harbour. ' +
  'From then on, the sailors said the fog would never again hide the way home.';

Runtime.install({ logger: new DefaultLogger('WARN') });
const [replicate, llm, eleven] = await Promise.all([
  startReplicateEmulator({ latencySeconds: IMAGE_SECONDS, jitter: 0.5, tokens: [TOKEN], sendWebhooks: false, seed: 7 }),
  startOpenAiEmulator({ faults: { latencyMs: { chat: LLM_SECONDS * 1000 } } }),
  startElevenLabsEmulator({ apiKeys: [ELEVEN_KEY], faults: { latencyMs: SPEECH_SECONDS * 1000 } }),
]);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-bench-e2e-'));
// Encrypted like a default deployment (a key made in the bench's DATA_DIR), so the codec's cost is measured too.
const config = parseConfig({
  PATH: process.env.PATH,
  DATA_DIR: dataDir,
  REPLICATE_API_TOKEN: TOKEN,
  REPLICATE_BASE_URL: replicate.url,
  REPLICATE_KEY_CONCURRENCY: String(SCENES),
  LLM_BASE_URL: llm.url,
  LLM_MODEL: 'emulator-planner',
  LLM_API_KEY: 'sk-bench-e2e-key-0001',
  ELEVENLABS_BASE_URL: eleven.url,
  ELEVENLABS_API_KEY: ELEVEN_KEY,
  NARRATION_PROVIDER: 'elevenlabs',
});
const env = await startEphemeralTemporal({ dataConverter: dataConverterFor(config.payloads) });
try {
  const taskQueue = 'bench-e2e';
  const workers = await startBenchWorkers(env, config, dataDir, taskQueue);
  const runs = new RunService(env.client, config);
  const app = createApp({ client: env.client, config, storage: new LocalStorage(dataDir), taskQueue });
  const request = shortKind.requestSchema.parse({
    story: STORY,
    sceneCount: SCENES,
    planner: 'llm',
    structure: 'five-act',
    music: { source: 'generated' },
    captions: { style: 'karaoke' },
  });
  const timingsOfRun = async (id: string) => {
    const handle = env.client.workflow.getHandle(id);
    await handle.result();
    return timingsOf((await handle.fetchHistory()).events ?? []);
  };

  // Each first run has its own story, so neither finds the other's voices, bed or mix in the cache.
  const first = await timingsOfRun((await runs.start(shortKind, { ...request, story: OTHER_STORY }, { taskQueue })).id);
  const editable = await runs.start(shortKind, { ...request, render: 'segmented' }, { taskQueue });
  const segmented = await timingsOfRun(editable.id);
  const before = replicate.stats().totals.created;
  const res = await app.request(`/v1/shorts/${editable.id}/scenes/2/regenerate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ imagePrompt: 'watercolor: the lighthouse beam sweeping over black rocks at night' }),
  });
  if (res.status !== 202) throw new Error(`regenerate answered ${res.status}: ${await res.text()}`);
  const revisionId = ((await res.json()) as { id: string }).id;
  const revision = await timingsOfRun(revisionId);
  const revised = (await env.client.workflow.getHandle(revisionId).result()) as ShortResult;
  const newPredictions = replicate.stats().totals.created - before;
  await workers.stop();

  console.log(
    `bench:e2e — ${SCENES} scenes, LLM ${LLM_SECONDS} s, images ${IMAGE_SECONDS} s ± 50 %, speech ${SPEECH_SECONDS} s`,
  );
  printRun('first run (one-pass render, the default)', first);
  verdict('wall ÷ critical path', first.wallSec / first.critical, 1.1);
  printRun('first run made for editing (render: segmented; another story of the same length)', segmented);
  line('segmented ÷ one-pass first run', segmented.wallSec / first.wallSec, '');
  printRun('regenerate scene 2 with a new image prompt (revision)', revision);
  const s = revised.segmented;
  console.log(
    `  new predictions: ${newPredictions}; segments encoded ${s?.encoded}/${s?.segments} (${s?.encodedFrames}/${s?.totalFrames} frames); cost $${revised.cost?.usd}`,
  );
  verdict('regenerate ÷ its first run', revision.wallSec / segmented.wallSec, 0.35);
} finally {
  await Promise.all([replicate.close(), llm.close(), eleven.close()]);
  await env.teardown();
  await rm(dataDir, { recursive: true, force: true });
}
