/**
 * bench:render — renders two 5-scene, ~30 s, 1080×1920@30 shorts from prepared assets (not timed):
 * one of stills (placeholder art, Ken Burns) and one of five clips (what a video model stores:
 * 720×1280@24 H.264 with its own audio, some shorter than their scene, one longer; hold, loop and
 * slow fits). Each goes through the real renderShort activity, and each is measured against its
 * floor: the encode-only time of its own output at the same x264 and AAC settings (decode the
 * finished short, encode it again), measured in the same run. Target: render ≤ 1.25 × floor.
 *
 * Then the segmented render (each scene's body and each transition encoded on its own, joined by
 * stream copy) on one and on two render worker processes: wall times, and the two-worker
 * efficiency, one-worker time ÷ (2 × two-worker time). The faster design on one machine is the
 * default (printed).
 *
 * The machines share their cores with neighbours, so one run's wall time can be off by a third
 * (measured: the same floor took 11.9 s and 16.0 s back to back). So the ffmpeg processes' CPU time
 * (user + system, from /proc: what the work costs, whoever else runs) is measured beside the wall
 * time, and the targets are judged on CPU; each render and its floor alternate BENCH_RUNS times
 * (default 2) and the least disturbed (fastest) run of each is kept. Segmented runs are measured
 * once each, by wall time (their work runs in other processes).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  activityDepsFromConfig,
  createPipelineActivities,
  createRenderQueueActivities,
} from '../src/activities/index.js';
import type { RenderSegmentInput, RenderShortInput, RenderedSegment } from '../src/activities/render.js';
import { parseConfig } from '../src/config/index.js';
import { buildTimeline } from '../src/domain/timeline.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { makePlaceholderClip } from '../src/media/render/placeholderClip.js';
import { segmentCount } from '../src/media/render/segments.js';
import { AUDIO_ENCODING, type ClipFit, videoEncoding } from '../src/media/renderGraph.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from '../test/support/activityEnv.js';

const STORY = [
  'On a cliff above the northern sea stood an old lighthouse, and in it lived a keeper named Ada.',
  'Every evening she climbed the hundred steps to light the great lamp for ships she would never meet.',
  'One stormy night the lamp flickered and went dark, and far below a small fishing boat lost its way.',
  'Ada took her grandfather’s lantern, ran to the edge of the cliff, and swung it in wide, slow circles.',
  'At dawn the fishermen knocked on her door with a basket of fish and a song they had made about her light.',
].join(' ');
/** Clip lengths and fits: shorter than the scene (hold, loop, slow), about as long, longer (trimmed). */
const CLIPS: { seconds: number; fit: ClipFit }[] = [
  { seconds: 5, fit: 'hold' },
  { seconds: 4, fit: 'loop' },
  { seconds: 4, fit: 'slow' },
  { seconds: 10, fit: 'hold' },
  { seconds: 5, fit: 'hold' },
];
const TARGET = 1.25;
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-bench-'));
const config = parseConfig({ ...process.env, DATA_DIR: dataDir });
const storage = new LocalStorage(dataDir);
const deps = activityDepsFromConfig(config, storage);
const run = typedRunner(new MockActivityEnvironment());
const pipeline = createPipelineActivities(deps);
const { renderShort, joinSegments } = createRenderQueueActivities(deps);
const preset = config.render.preset;

console.log(`bench:render — preparing 5 scenes of stills, clips and narration in ${dataDir} (not timed)…`);
const plan = await run(pipeline.planScenes, {
  runKey: 'bench',
  story: STORY,
  sceneCount: 5,
  style: 'storybook illustration',
});
const stills: RenderShortInput['scenes'] = [];
const clips: RenderShortInput['scenes'] = [];
const narrationSeconds: number[] = [];
for (const { index } of plan.scenes) {
  const image = await run(pipeline.generateSceneImage, {
    runKey: 'bench',
    planRef: plan.planRef,
    sceneIndex: index,
    width: 1080,
    height: 1920,
  });
  const narration = await run(pipeline.synthesizeNarration, {
    runKey: 'bench',
    planRef: plan.planRef,
    sceneIndex: index,
    language: plan.language,
  });
  const clipRef = `bench/clip-${index}.mp4`;
  const { seconds, fit } = CLIPS[index]!;
  await mkdir(path.dirname(storage.localPath(clipRef)), { recursive: true });
  await makePlaceholderClip(config.tools, storage.localPath(clipRef), {
    width: 720,
    height: 1280,
    fps: 24,
    seconds,
    pattern: 'gradients',
    audio: true,
  });
  stills.push({ imageRef: image.imageRef, narrationRef: narration.narrationRef });
  clips.push({ clipRef, fit, narrationRef: narration.narrationRef });
  narrationSeconds.push(narration.durationSec);
}
const timeline = buildTimeline(narrationSeconds, 0.5, 30);
const base = {
  planRef: plan.planRef,
  language: plan.language,
  width: 1080,
  height: 1920,
  fps: 30,
  transition: { type: 'crossfade' as const, duration: 0.5 },
  captions: true,
  exactFrames: true,
  timeline,
};

/** CPU seconds of this process's finished children (cutime + cstime in /proc/self/stat). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ", field 3 is state; cutime and cstime are fields 16 and 17 (indices 13, 14 here).
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const cpuBefore = childCpuSeconds();
  const started = process.hrtime.bigint();
  await work();
  return { wall: Number(process.hrtime.bigint() - started) / 1e9, cpu: childCpuSeconds() - cpuBefore };
}

let renders = 0;
const freshKey = (name: string) => `bench-${name}-${++renders}`;

/** The cost of the output alone: decode the finished short and encode it again with the same settings. */
async function encodeOnly(videoPath: string): Promise<Timing> {
  return timed(() =>
    runFfmpeg(config.tools, {
      inputs: [{ path: videoPath }],
      filterGraph: '[0:v]null[v]',
      outputOptions: ['-map', '[v]', '-map', '0:a', ...videoEncoding(preset, 30), ...AUDIO_ENCODING, '-f', 'mp4'],
      output: path.join(dataDir, `floor-${++renders}.mp4`),
      expectedDurationSec: timeline.totalSec,
    }),
  );
}

interface OnePass {
  name: string;
  wall: number;
  floor: number;
  cpu: number;
  floorCpu: number;
}

async function onePass(name: string, scenes: RenderShortInput['scenes']): Promise<OnePass> {
  const renders: Timing[] = [];
  const floors: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    let videoPath = '';
    renders.push(
      await timed(async () => {
        videoPath = (await run(renderShort, { ...base, runKey: freshKey(name), scenes })).videoPath;
      }),
    );
    floors.push(await encodeOnly(videoPath));
    const [r, f] = [renders[i]!, floors[i]!];
    console.log(
      `${name}, run ${i + 1}: one pass ${r.wall.toFixed(2)} s (CPU ${r.cpu.toFixed(1)} s) · ` +
        `encode-only floor ${f.wall.toFixed(2)} s (CPU ${f.cpu.toFixed(1)} s)`,
    );
  }
  const least = (xs: Timing[], k: keyof Timing) => Math.min(...xs.map((x) => x[k]));
  const result = {
    name,
    wall: least(renders, 'wall'),
    floor: least(floors, 'wall'),
    cpu: least(renders, 'cpu'),
    floorCpu: least(floors, 'cpu'),
  };
  console.log(
    `${name}: CPU ${(result.cpu / result.floorCpu).toFixed(2)}× floor, wall ${(result.wall / result.floor).toFixed(2)}× floor`,
  );
  return result;
}

/** Render worker processes, each encoding one segment at a time; segments go to whichever is free. */
async function startSegmentWorkers(n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const child = fork(path.join(REPO, 'bin/run-ts.js'), ['bench/render/segmentWorker.ts'], {
        cwd: REPO,
        env: { ...process.env, DATA_DIR: dataDir },
      });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`segment worker exited with ${code}`)));
      });
      return child;
    }),
  );
}

async function segmented(workers: ChildProcess[], name: string, scenes: RenderShortInput['scenes']): Promise<number> {
  return (
    await timed(async () => {
      const input: RenderShortInput = { ...base, runKey: freshKey(`${name}-seg`), scenes };
      const count = segmentCount(input);
      const done: RenderedSegment[] = [];
      let next = 0;
      await Promise.all(
        workers.map(async (worker) => {
          while (next < count) {
            const segment = next++;
            const answer = await new Promise<{ ok: boolean; segment?: RenderedSegment; error?: string }>((resolve) => {
              worker.once('message', resolve);
              worker.send({ ...input, segment } satisfies RenderSegmentInput);
            });
            if (!answer.ok) throw new Error(`segment ${segment}: ${answer.error}`);
            done[segment] = answer.segment!;
          }
        }),
      );
      await run(joinSegments, { ...input, segments: done });
    })
  ).wall;
}

const results = [await onePass('stills short', stills), await onePass('5-clip short', clips)];

const segmentedWalls: Record<string, { one: number; two: number }> = {};
for (const [name, scenes] of [
  ['stills short', stills],
  ['5-clip short', clips],
] as const) {
  const one = await startSegmentWorkers(1);
  const oneWall = await segmented(one, name, scenes);
  one.forEach((w) => w.send('exit'));
  const two = await startSegmentWorkers(2);
  const twoWall = await segmented(two, name, scenes);
  two.forEach((w) => w.send('exit'));
  segmentedWalls[name] = { one: oneWall, two: twoWall };
  console.log(
    `${name}: segmented ${oneWall.toFixed(2)} s on one worker, ${twoWall.toFixed(2)} s on two → efficiency ${(oneWall / (2 * twoWall)).toFixed(2)}`,
  );
}

console.log('');
console.table(
  Object.fromEntries(
    results.map((r) => {
      const seg = segmentedWalls[r.name]!;
      return [
        r.name,
        {
          'video s': timeline.totalSec.toFixed(2),
          'one pass s': r.wall.toFixed(2),
          'encode-only floor s': r.floor.toFixed(2),
          'wall × floor': (r.wall / r.floor).toFixed(2),
          'CPU s': r.cpu.toFixed(1),
          'floor CPU s': r.floorCpu.toFixed(1),
          'CPU × floor': (r.cpu / r.floorCpu).toFixed(2),
          'realtime ×': (timeline.totalSec / r.wall).toFixed(2),
          'segmented, 1 worker s': seg.one.toFixed(2),
          'segmented, 2 workers s': seg.two.toFixed(2),
          '2-worker efficiency': (seg.one / (2 * seg.two)).toFixed(2),
        },
      ];
    }),
  ),
);
const missed = results
  .filter((r) => r.cpu / r.floorCpu > TARGET)
  .map((r) => `${r.name} ${(r.cpu / r.floorCpu).toFixed(2)}× > ${TARGET}×`);
const onePassFaster = results.every((r) => r.wall <= segmentedWalls[r.name]!.one);
console.log(
  `\nbench:render  ${results.map((r) => `${r.name} ${(r.cpu / r.floorCpu).toFixed(2)}× floor by CPU (${(r.wall / r.floor).toFixed(2)}× by wall)`).join(' · ')} (target ≤ ${TARGET}×) · ` +
    `one machine: ${onePassFaster ? 'one pass is faster, the default' : 'segmented is faster'} · ` +
    `${os.availableParallelism()} cores, preset ${preset}` +
    (missed.length ? `  ✗ target missed: ${missed.join(', ')}` : '  ✓ targets met'),
);
await rm(dataDir, { recursive: true, force: true });
