/**
 * bench:e2e — one 5-scene short end to end on a real Temporal dev server, every AI service emulated
 * at realistic latencies: the LLM planner (3 s), images on the Replicate key pool (4 s ± 50 %),
 * ElevenLabs narration (1.5 s), a generated music bed, the soundtrack mix and the render.
 *
 * It prints the wall time (workflow start → close), the critical path computed from the same run's
 * activity timings (plan + the slowest of: a scene's image, or the later of the last narration and
 * the music bed plus the mix; + render; each activity from started to closed), and their ratio. The gap between them is orchestration:
 * task dispatch, the workflow's own turns, retries. Target: wall ≤ 1.10 × critical path.
 *
 * Knobs: BENCH_LLM_SECONDS (3), BENCH_IMAGE_SECONDS (4), BENCH_SPEECH_SECONDS (1.5), BENCH_SCENES (5).
 */
import { startEphemeralTemporal } from '../src/temporal/ephemeralServer.js';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { activityDepsFromConfig } from '../src/activities/index.js';
import { parseConfig } from '../src/config/index.js';
import { startElevenLabsEmulator } from '../src/emulators/elevenlabs/index.js';
import { startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { shortKind } from '../src/runs/kinds/short.js';
import { RunService } from '../src/runs/service.js';
import { LocalStorage } from '../src/storage/index.js';
import { dataConverterFor } from '../src/temporal/dataConverter.js';
import { createWorkers, runWorkers } from '../src/worker/createWorkers.js';

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
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    renderConcurrency: 1,
    deps: activityDepsFromConfig(config, new LocalStorage(dataDir)),
    dataConverter: dataConverterFor(config.payloads),
    replicate: config.replicate,
    connect: () => NativeConnection.connect({ address: env.address }),
  });
  const controller = new AbortController();
  const running = runWorkers(workers, controller.signal);
  const runs = new RunService(env.client, config);
  const request = shortKind.requestSchema.parse({
    story: STORY,
    sceneCount: SCENES,
    planner: 'llm',
    structure: 'five-act',
    music: { source: 'generated' },
    captions: { style: 'karaoke' },
  });
  const started = await runs.start(shortKind, request, { taskQueue });
  const handle = env.client.workflow.getHandle(started.id);
  await handle.result();
  const history = await handle.fetchHistory();
  controller.abort();
  await running;
  report(history.events ?? []);
} finally {
  await Promise.all([replicate.close(), llm.close(), eleven.close()]);
  await env.teardown();
  await rm(dataDir, { recursive: true, force: true });
}

interface Span {
  type: string;
  startedMs: number;
  closedMs: number;
}

function report(events: temporal.api.history.v1.IHistoryEvent[]): void {
  const ms = (e: temporal.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const scheduled = new Map<string, string>();
  const startedAt = new Map<string, number>();
  const spans: Span[] = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const s = e.activityTaskStartedEventAttributes;
    if (s) startedAt.set(String(s.scheduledEventId), ms(e));
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed?.scheduledEventId != null) {
      const key = String(closed.scheduledEventId);
      spans.push({ type: scheduled.get(key) ?? '?', startedMs: startedAt.get(key) ?? ms(e), closedMs: ms(e) });
    }
  }
  const wallSec = (ms(events.at(-1)!) - ms(events[0]!)) / 1000;
  const seconds = (types: string[]) =>
    spans.filter((s) => types.includes(s.type)).map((s) => (s.closedMs - s.startedMs) / 1000);
  const longest = (types: string[]) => Math.max(0, ...seconds(types));
  const total = (types: string[]) => seconds(types).reduce((a, b) => a + b, 0);
  const plan = total(['planWithLlm', 'planScenes']);
  const visual = longest(['generateSceneImageOnReplicate', 'generateSceneImage']);
  const narration = longest(['synthesizeNarration', 'synthesizeNarrationOnReplicate']);
  const music = total(['prepareMusic', 'generateMusicOnReplicate']);
  const mix = total(['mixSoundtrack']);
  const render = total(['renderShort']);
  // The bed starts with the scenes; the mix waits for the last narration and the bed.
  const critical = plan + Math.max(visual, Math.max(narration, music) + mix) + render;
  const ratio = wallSec / critical;
  const line = (label: string, value: number) => console.log(`  ${label.padEnd(34)} ${value.toFixed(2)} s`);
  console.log(
    `bench:e2e — ${SCENES} scenes, LLM ${LLM_SECONDS} s, images ${IMAGE_SECONDS} s ± 50 %, speech ${SPEECH_SECONDS} s`,
  );
  line('plan (LLM)', plan);
  line('slowest image', visual);
  line('slowest narration', narration);
  line('music bed (beside the scenes)', music);
  line('soundtrack mix', mix);
  line('render', render);
  line('critical path', critical);
  line('wall (workflow start → close)', wallSec);
  console.log(
    `  ${'wall ÷ critical path'.padEnd(34)} ${ratio.toFixed(3)} (target ≤ 1.10) ${ratio <= 1.1 ? 'met' : 'MISSED'}`,
  );
  console.log(`  activities: ${spans.length} (${[...new Set(spans.map((s) => s.type))].join(', ')})`);
}
