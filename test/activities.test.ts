import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPipelineActivities, createRenderQueueActivities } from '../src/activities/index.js';
import { buildTimeline } from '../src/domain/timeline.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import { createOfflineArtProvider } from '../src/providers/offlineArt.js';
import type { VisualProvider } from '../src/providers/types.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { probe } from './support/media.js';
import { offlineDeps, tempDataDir } from './support/temporal.js';

const STORY = 'The fox woke up early. It ran to the river. The water was cold. It slept in the warm sun.';

let dataDir: string;
let env: MockActivityEnvironment;
let run: ReturnType<typeof typedRunner>;

beforeEach(async () => {
  dataDir = await tempDataDir();
  env = new MockActivityEnvironment();
  run = typedRunner(env);
});

/** Wraps the offline provider and counts calls, to prove retries reuse finished work. */
function countingProvider(): VisualProvider & { calls: number } {
  const inner = createOfflineArtProvider();
  const provider = {
    name: inner.name,
    offline: true,
    calls: 0,
    async generate(request: Parameters<VisualProvider['generate']>[0]) {
      provider.calls++;
      await inner.generate(request);
    },
  };
  return provider;
}

async function planned(activities: ReturnType<typeof createPipelineActivities>, sceneCount = 2) {
  return run(activities.planScenes, { runKey: 'run-1', story: STORY, sceneCount, style: 'watercolour' });
}

describe('planScenes', () => {
  it('stores the full plan and returns only a small summary with the reference', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await planned(activities, 3);
    expect(plan).toMatchObject({ planRef: 'runs/run-1/plan.json', language: 'en', planner: 'offline-splitter' });
    expect(plan.scenes).toHaveLength(3);
    const stored = JSON.parse((await new LocalStorage(dataDir).read(plan.planRef)).toString());
    expect(stored.scenes.map((s: { narration: string }) => s.narration).join(' ')).toBe(STORY);
    expect(stored.scenes[0].imagePrompt).toMatch(/^watercolour: The fox woke up early\./);
    expect(JSON.stringify(plan).length).toBeLessThan(1024);
  });
});

describe('generateSceneImage', () => {
  it('is idempotent: a retried attempt keeps the finished image instead of making it again', async () => {
    const provider = countingProvider();
    const activities = createPipelineActivities(offlineDeps(dataDir, { visualProviders: { 'offline-art': provider } }));
    const plan = await planned(activities);
    const input = { runKey: 'run-1', planRef: plan.planRef, sceneIndex: 1, width: 540, height: 960 };
    const first = await run(activities.generateSceneImage, input);
    const second = await run(activities.generateSceneImage, input);
    expect(second).toEqual(first);
    expect(provider.calls).toBe(1);
    const info = await probe(new LocalStorage(dataDir).localPath(first.imageRef));
    expect(info.streams[0]).toMatchObject({ codec: 'png', width: 540, height: 960 });
  });

  it('rejects an unknown provider as non-retryable InvalidInput', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await planned(activities);
    await expect(
      run(activities.generateSceneImage, {
        runKey: 'run-1',
        planRef: plan.planRef,
        sceneIndex: 0,
        width: 64,
        height: 64,
        provider: 'dall-e',
      }),
    ).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });

  it('fails with AssetMissing when the plan is gone from storage', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    await expect(
      run(activities.generateSceneImage, {
        runKey: 'run-1',
        planRef: 'runs/run-1/plan.json',
        sceneIndex: 0,
        width: 64,
        height: 64,
      }),
    ).rejects.toMatchObject({ type: 'AssetMissing', nonRetryable: true });
  });
});

describe('synthesizeNarration', () => {
  it('speaks Russian with the Russian voice and measures the clip', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await run(activities.planScenes, {
      runKey: 'ru',
      story: 'Лиса проснулась рано. Она побежала к реке.',
      sceneCount: 1,
      style: 's',
    });
    const narration = await run(activities.synthesizeNarration, {
      runKey: 'ru',
      planRef: plan.planRef,
      sceneIndex: 0,
      language: plan.language,
    });
    expect(plan.language).toBe('ru');
    expect(narration).toMatchObject({ voice: 'ru', provider: 'espeak-ng', offline: true });
    expect(narration.durationSec).toBeGreaterThan(1);
    const info = await probe(new LocalStorage(dataDir).localPath(narration.narrationRef));
    expect(info.durationSec).toBeCloseTo(narration.durationSec, 2);
  });

  it('reports a missing espeak-ng as non-retryable ToolMissing with what to do', async () => {
    const deps = offlineDeps(dataDir, {
      narrationProvider: createEspeakProvider({ espeakPath: '/nonexistent/espeak-ng' }),
    });
    const activities = createPipelineActivities(deps);
    const plan = await planned(activities);
    const error = await run(activities.synthesizeNarration, {
      runKey: 'run-1',
      planRef: plan.planRef,
      sceneIndex: 0,
      language: 'en',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ToolMissing', nonRetryable: true });
    expect((error as Error).message).toMatch(/npm run bootstrap/);
  });
});

describe('renderShort', () => {
  async function prepared(sceneCount: number) {
    const deps = offlineDeps(dataDir);
    const activities = createPipelineActivities(deps);
    const plan = await planned(activities, sceneCount);
    const scenes = [];
    const seconds = [];
    for (let sceneIndex = 0; sceneIndex < sceneCount; sceneIndex++) {
      const image = await run(activities.generateSceneImage, {
        runKey: 'run-1',
        planRef: plan.planRef,
        sceneIndex,
        width: 540,
        height: 960,
      });
      const voice = await run(activities.synthesizeNarration, {
        runKey: 'run-1',
        planRef: plan.planRef,
        sceneIndex,
        language: 'en',
      });
      scenes.push({ imageRef: image.imageRef, narrationRef: voice.narrationRef });
      seconds.push(voice.durationSec);
    }
    const render = createRenderQueueActivities(deps).renderShort;
    const input = {
      runKey: 'run-1',
      planRef: plan.planRef,
      language: 'en' as const,
      width: 540,
      height: 960,
      fps: 30,
      transition: { type: 'crossfade' as const, duration: 0.5 },
      captions: true,
      timeline: buildTimeline(seconds, 0.5, 30),
      scenes,
    };
    return { render, input };
  }

  it('heartbeats rising progress up to 100 % and returns the probed video', async () => {
    const { render, input } = await prepared(2);
    const beats: number[] = [];
    env.on('heartbeat', (d: { percent: number }) => beats.push(d.percent));
    const video = await run(render, input);
    expect(video).toMatchObject({ width: 540, height: 960, fps: 30 });
    expect(Math.abs(video.durationSec - input.timeline.totalSec)).toBeLessThan(0.1);
    expect(beats[0]).toBe(0);
    expect(beats.at(-1)).toBe(100);
    expect(beats).toEqual([...beats].sort((a, b) => a - b));
  });

  it('stops ffmpeg and reports cancellation when the activity is cancelled', async () => {
    const { render, input } = await prepared(2);
    // Cancel mid-encode: the first heartbeat that carries ffmpeg's own progress.
    env.on('heartbeat', (d: { percent: number }) => d.percent > 0 && d.percent < 100 && env.cancel('CANCELLED'));
    await expect(run(render, input)).rejects.toBeInstanceOf(CancelledFailure);
    expect(await new LocalStorage(dataDir).exists('runs/run-1/short.mp4')).toBe(false);
  });

  it('fails with AssetMissing when a scene asset is gone', async () => {
    const { render, input } = await prepared(1);
    const broken = { ...input, scenes: [{ ...input.scenes[0]!, imageRef: 'runs/run-1/scene-09/image.png' }] };
    await expect(run(render, broken)).rejects.toMatchObject({ type: 'AssetMissing', nonRetryable: true });
  });
});
