/**
 * bench:chunks — a 100-minute generated video (speech at known times over silence, a tiny H.264
 * picture, AAC sound) transcribed in 5 chunks over 5 keys on a real Temporal dev server, the
 * Replicate emulator's WhisperX taking BENCH_CHUNK_SECONDS per chunk. Every figure comes from this
 * run's own history (activity start and close times):
 *
 * - split: probing, finding silences and cutting the audio by stream copy, as a share of the
 *   video's length. Target ≤ 2 %.
 * - makespan of the chunks (first chunk scheduled → last chunk transcribed) against the sequential
 *   time of the same chunks (the sum of their own durations), and their ratio, the speed-up.
 *   Target ≥ 4.5× with 5 keys.
 *
 * Knobs: BENCH_CHUNK_SECONDS (10), BENCH_VIDEO_MINUTES (100), BENCH_KEYS (5).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { temporal as proto } from '@temporalio/proto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import type { LongVideoResult } from '../src/domain/longVideo.js';
import { startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { videoKind } from '../src/runs/kinds/video.js';
import { RunService } from '../src/runs/service.js';
import { dataConverterFor } from '../src/temporal/dataConverter.js';
import { startEphemeralTemporal } from '../src/temporal/ephemeralServer.js';
import { startBenchWorkers } from './support/workers.js';
import { distinctWords, makeSpokenVideo } from '../test/support/spokenVideo.js';

const CHUNK_SECONDS = Number(process.env.BENCH_CHUNK_SECONDS ?? 10);
const MINUTES = Number(process.env.BENCH_VIDEO_MINUTES ?? 100);
const KEYS = Number(process.env.BENCH_KEYS ?? 5);
const tokens = Array.from({ length: KEYS }, (_, i) => `r8_benchchunks${String(i + 1).padStart(22, '0')}`);

Runtime.install({ logger: new DefaultLogger('WARN') });
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-bench-chunks-'));
const emulator = await startReplicateEmulator({
  tokens,
  latencyByKind: { transcript: CHUNK_SECONDS },
  jitter: 0,
  sendWebhooks: false,
});
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  DATA_DIR: dataDir,
  REPLICATE_BASE_URL: emulator.url,
  REPLICATE_KEY_CONCURRENCY: '1',
};
tokens.forEach((t, i) => (env[`REPLICATE_API_TOKEN_${i + 1}`] = t));
const config = parseConfig(env);
const temporal = await startEphemeralTemporal({ dataConverter: dataConverterFor(config.payloads) });
try {
  const ref = 'uploads/beec0000000000000000000000000000/source.mp4';
  await mkdir(path.dirname(path.join(dataDir, ref)), { recursive: true });
  const words = await distinctWords();
  const said = Array.from({ length: MINUTES }, (_, i) => ({ word: words[i % words.length]!, at: 10 + i * 60 }));
  process.stderr.write(`generating a ${MINUTES}-minute video…\n`);
  await makeSpokenVideo(path.join(dataDir, ref), MINUTES * 60, said);

  const taskQueue = 'bench-chunks';
  const workers = await startBenchWorkers(temporal, config, dataDir, taskQueue);
  const runs = new RunService(temporal.client, config);
  const chunkMinutes = MINUTES / KEYS;
  const { id } = await runs.start(videoKind, { ref, chunkMinutes, task: 'transcribe', strict: false }, { taskQueue });
  const handle = temporal.client.workflow.getHandle(id);
  const result = (await handle.result()) as LongVideoResult;
  const events = (await handle.fetchHistory()).events ?? [];
  await workers.stop();

  const spans = activitySpans(events);
  const split = spans.filter((s) => s.type === 'prepareLongVideo');
  const chunks = spans.filter((s) => s.type === 'transcribeChunk');
  const splitSec = sum(split.map((s) => s.closed - s.started));
  const makespan = Math.max(...chunks.map((c) => c.closed)) - Math.min(...chunks.map((c) => c.scheduled));
  const sequential = sum(chunks.map((c) => c.closed - c.started));
  const wall = seconds(events.at(-1)?.eventTime) - seconds(events[0]?.eventTime);

  console.log(
    `bench:chunks — ${MINUTES} min video, ${result.chunks.length} chunks of ${chunkMinutes} min over ${KEYS} keys (1 slot each), WhisperX ${CHUNK_SECONDS} s per chunk`,
  );
  console.log(`  ${result.summary}; ${result.words}/${said.length} words heard; whole run ${wall.toFixed(1)} s`);
  console.log(`  split (probe, silences, stream copy)  ${splitSec.toFixed(2)} s`);
  verdict('split ÷ video length', splitSec / (MINUTES * 60), 0.02, '≤');
  console.log(`  chunks: makespan ${makespan.toFixed(2)} s, sequential ${sequential.toFixed(2)} s`);
  verdict('speed-up (sequential ÷ makespan)', sequential / makespan, 4.5, '≥');
} finally {
  await emulator.close();
  await temporal.teardown();
  await rm(dataDir, { recursive: true, force: true });
}

interface Span {
  type: string;
  scheduled: number;
  started: number;
  closed: number;
}

/** Each activity's schedule, (last) start and completion time, in seconds. */
function activitySpans(events: proto.api.history.v1.IHistoryEvent[]): Span[] {
  const byScheduled = new Map<string, Span>();
  for (const e of events) {
    const at = seconds(e.eventTime);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled)
      byScheduled.set(String(e.eventId), {
        type: scheduled.activityType?.name ?? '',
        scheduled: at,
        started: at,
        closed: at,
      });
    const started = e.activityTaskStartedEventAttributes;
    if (started) byScheduled.get(String(started.scheduledEventId))!.started = at;
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) byScheduled.get(String(completed.scheduledEventId))!.closed = at;
  }
  return [...byScheduled.values()];
}

function seconds(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function verdict(label: string, value: number, target: number, sense: '≤' | '≥'): void {
  const met = sense === '≤' ? value <= target : value >= target;
  console.log(`  ${label.padEnd(38)} ${value.toFixed(4)} (target ${sense} ${target}) ${met ? 'met' : 'MISSED'}`);
}
