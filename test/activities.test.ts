import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPipelineActivities } from '../src/activities/index.js';
import { causeLines } from '../src/media/ffmpeg.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import { createOfflineArtProvider } from '../src/providers/offlineArt.js';
import type { NarrationProvider, VisualProvider } from '../src/providers/types.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { probe } from './support/media.js';
import { prepareRender } from './support/renderFixture.js';
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

  it('fault: an image that cannot be written fails as VisualFailed, not a bare Error', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await planned(activities);
    // A file where the scene's directory should be: the image cannot be written.
    await writeFile(path.join(dataDir, 'runs/run-1/scene-01'), 'in the way');
    const error = await run(activities.generateSceneImage, {
      runKey: 'run-1',
      planRef: plan.planRef,
      sceneIndex: 0,
      width: 64,
      height: 64,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'VisualFailed', nonRetryable: false });
    expect((error as Error).message).toMatch(/^Image of scene 1 failed: E(EXIST|NOTDIR)/);
  });

  it('refuses a provider image that does not decode as VisualFailed and commits nothing', async () => {
    const halfPng: VisualProvider = {
      name: 'offline-art',
      offline: true,
      async generate(request) {
        await createOfflineArtProvider().generate(request);
        const { readFile, truncate } = await import('node:fs/promises');
        await truncate(request.outPath, Math.floor((await readFile(request.outPath)).length / 2));
      },
    };
    const activities = createPipelineActivities(offlineDeps(dataDir, { visualProviders: { 'offline-art': halfPng } }));
    const plan = await planned(activities);
    const input = { runKey: 'run-1', planRef: plan.planRef, sceneIndex: 0, width: 64, height: 64 };
    await expect(run(activities.generateSceneImage, input)).rejects.toMatchObject({
      type: 'VisualFailed',
      message: expect.stringMatching(/runs past the end/),
    });
    expect(await readdir(path.join(dataDir, 'runs/run-1/scene-01'))).toEqual([]);
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
  /** Plans the story and returns what narrating its first scene failed with. */
  async function firstNarrationError(deps: ReturnType<typeof offlineDeps>, sceneCount = 2): Promise<unknown> {
    const activities = createPipelineActivities(deps);
    const plan = await planned(activities, sceneCount);
    const input = { runKey: 'run-1', planRef: plan.planRef, sceneIndex: 0, language: 'en' as const };
    return run(activities.synthesizeNarration, input).catch((e: unknown) => e);
  }

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

  it('fault: a voice cut off after a fraction of its text (espeak-ng exited 0) is refused, not committed', async () => {
    const espeak = createEspeakProvider({ espeakPath: 'espeak-ng' });
    // Speaks, then keeps the first 64 KiB with header sizes to match: what espeak-ng -w leaves on a full disk.
    const cutOff: NarrationProvider = {
      ...espeak,
      async synthesize(request) {
        await espeak.synthesize(request);
        const { open } = await import('node:fs/promises');
        const file = await open(request.outPath, 'r+');
        await file.truncate(65_536);
        const sizes = Buffer.alloc(4);
        sizes.writeUInt32LE(65_536 - 8);
        await file.write(sizes, 0, 4, 4);
        sizes.writeUInt32LE(65_536 - 44);
        await file.write(sizes, 0, 4, 40);
        await file.close();
      },
    };
    const error = await firstNarrationError(offlineDeps(dataDir, { narrationProvider: cutOff }), 1);
    expect(error).toMatchObject({ type: 'NarrationFailed', nonRetryable: false });
    expect((error as Error).message).toMatch(/^Narration of scene 1 failed: the narration lasts 1\.\d+ s, less than/);
    expect(await readdir(path.join(dataDir, 'runs/run-1/scene-01'))).toEqual([]);
  });

  it('reports a missing espeak-ng as non-retryable ToolMissing with what to do', async () => {
    const deps = offlineDeps(dataDir, {
      narrationProvider: createEspeakProvider({ espeakPath: '/nonexistent/espeak-ng' }),
    });
    const error = await firstNarrationError(deps);
    expect(error).toMatchObject({ type: 'ToolMissing', nonRetryable: true });
    expect((error as Error).message).toMatch(/npm run bootstrap/);
  });
});

describe('renderShort', () => {
  const prepared = (sceneCount: number) =>
    prepareRender(run, offlineDeps(dataDir), { runKey: 'run-1', story: STORY, sceneCount });

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

  it('fault: a worker killed mid-render left short.partial-<pid>-<ts>.mp4; the retry removes it', async () => {
    const { render, input } = await prepared(1);
    const runDir = path.join(dataDir, 'runs/run-1');
    await mkdir(runDir, { recursive: true });
    const stale = 'short.partial-424242-1700000000000.mp4';
    await writeFile(path.join(runDir, stale), Buffer.alloc(4096));
    const video = await run(render, input);
    expect(video.videoRef).toBe('runs/run-1/short.mp4');
    const left = await readdir(runDir);
    expect(left).toContain('short.mp4');
    expect(left.filter((name) => name.includes('.partial-'))).toEqual([]);
  });

  it("fault: ffmpeg's cause was cut off with the last 8 lines; the cause lines are picked out of all of stderr", () => {
    // The shape of a real full-disk render: the cause, then x264's statistics and "Conversion failed!".
    const stderr = [
      "Input #0, png_pipe, from 'image.png':",
      '  Stream #0:0: Video: png, rgb24(pc), 540x960, 25 fps',
      'frame=    1 fps=0.0 q=0.0 size=       0kB time=00:00:00.00 bitrate=N/A speed=   0x    av_interleaved_write_frame(): No space left on device',
      'Error writing trailer of short.partial-1-2.mp4: No space left on device',
      'frame=   31 fps=0.0 q=-1.0 Lsize=       0kB time=00:00:01.00 bitrate=   0.0kbits/s speed=2.1x',
      ...Array.from({ length: 9 }, (_, i) => `[libx264 @ 0x5] mb P  I16..4: ${i}.0%  0.0%  0.0%`),
      '[aac @ 0x6] Qavg: 104.715',
      'Conversion failed!',
    ].join('\n');
    expect(causeLines(stderr)).toEqual([
      'av_interleaved_write_frame(): No space left on device',
      'Error writing trailer of short.partial-1-2.mp4: No space left on device',
      'Conversion failed!',
    ]);
  });

  it('RenderFailed carries the line where ffmpeg says what went wrong', async () => {
    const { render, input } = await prepared(1);
    // A narration that is not audio at all: ffmpeg stops at the input, long before its last lines.
    await writeFile(new LocalStorage(dataDir).localPath(input.scenes[0]!.narrationRef), Buffer.alloc(4096, 7));
    const error = await run(render, input).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'RenderFailed', nonRetryable: false });
    expect((error as Error).message).toMatch(
      /^Rendering failed: ffmpeg failed: ffmpeg exited with code \d+: .*Invalid data found/,
    );
    expect(await new LocalStorage(dataDir).exists('runs/run-1/short.mp4')).toBe(false);
  });

  it('fails with AssetMissing when a scene asset is gone', async () => {
    const { render, input } = await prepared(1);
    const broken = { ...input, scenes: [{ ...input.scenes[0]!, imageRef: 'runs/run-1/scene-09/image.png' }] };
    await expect(run(render, broken)).rejects.toMatchObject({ type: 'AssetMissing', nonRetryable: true });
  });
});
