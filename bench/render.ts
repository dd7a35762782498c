/**
 * bench:render — renders a 5-scene, ~30 s, 1080×1920 short from prepared assets (placeholder art
 * and espeak narration made beforehand, not timed) through the real renderShort activity, and
 * prints the wall time and realtime factor. Target: ≥ 2× realtime on 2 cores.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createPipelineActivities,
  createRenderQueueActivities,
  activityDepsFromConfig,
} from '../src/activities/index.js';
import { parseConfig } from '../src/config/index.js';
import { buildTimeline } from '../src/domain/timeline.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from '../test/support/activityEnv.js';

const STORY = [
  'On a cliff above the northern sea stood an old lighthouse, and in it lived a keeper named Ada.',
  'Every evening she climbed the hundred steps to light the great lamp for ships she would never meet.',
  'One stormy night the lamp flickered and went dark, and far below a small fishing boat lost its way.',
  'Ada took her grandfather’s lantern, ran to the edge of the cliff, and swung it in wide, slow circles.',
  'At dawn the fishermen knocked on her door with a basket of fish and a song they had made about her light.',
].join(' ');

const runs = Number(process.env.BENCH_RUNS ?? 3);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-bench-'));
const config = parseConfig({ ...process.env, DATA_DIR: dataDir });
const deps = activityDepsFromConfig(config, new LocalStorage(dataDir));
const run = typedRunner(new MockActivityEnvironment());
const pipeline = createPipelineActivities(deps);
const { renderShort } = createRenderQueueActivities(deps);

console.log(`bench:render — preparing 5 scenes of assets in ${dataDir} (not timed)…`);
const runKey = 'bench-render';
const plan = await run(pipeline.planScenes, { runKey, story: STORY, sceneCount: 5, style: 'storybook illustration' });
const scenes = [];
const narrationSeconds: number[] = [];
for (const { index } of plan.scenes) {
  const image = await run(pipeline.generateSceneImage, {
    runKey,
    planRef: plan.planRef,
    sceneIndex: index,
    width: 1080,
    height: 1920,
  });
  const narration = await run(pipeline.synthesizeNarration, {
    runKey,
    planRef: plan.planRef,
    sceneIndex: index,
    language: plan.language,
  });
  scenes.push({ imageRef: image.imageRef, narrationRef: narration.narrationRef });
  narrationSeconds.push(narration.durationSec);
}
const timeline = buildTimeline(narrationSeconds, 0.5, 30);

const walls: number[] = [];
for (let attempt = 1; attempt <= runs; attempt++) {
  const key = `${runKey}-${attempt}`;
  const started = process.hrtime.bigint();
  const video = await run(renderShort, {
    runKey: key,
    planRef: plan.planRef,
    language: plan.language,
    width: 1080,
    height: 1920,
    fps: 30,
    transition: { type: 'crossfade', duration: 0.5 },
    captions: true,
    timeline,
    scenes,
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  walls.push(wall);
  console.log(
    `run ${attempt}: ${video.durationSec.toFixed(2)} s of ${video.width}×${video.height}@${video.fps} rendered in ${wall.toFixed(2)} s wall → ${(video.durationSec / wall).toFixed(2)}× realtime (${(video.sizeBytes / 1e6).toFixed(1)} MB)`,
  );
}
const median = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)]!;
console.log(
  `\nbench:render  video ${timeline.totalSec.toFixed(2)} s · median wall ${median.toFixed(2)} s · realtime factor ${(timeline.totalSec / median).toFixed(2)}× ` +
    `(preset ${config.render.preset}, ${os.availableParallelism()} cores; target ≥ 2×)`,
);
await rm(dataDir, { recursive: true, force: true });
