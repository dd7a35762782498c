import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import type { ShortRequest } from '../src/domain/shortRequest.js';
import { shortVideo } from '../src/workflows/index.js';
import { getShortProgressQuery } from '../src/workflows/definitions.js';
import { grayFrame, meanDifference, probe } from './support/media.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

const STORIES = {
  en: 'A small fox woke up in the forest. It was hungry and curious. It ran to the river to catch a fish.',
  ru: 'Маленькая лиса проснулась в лесу. Она была голодной и любопытной. Лиса побежала к реке.',
  zh: '一只小狐狸在森林里醒来。它又饿又好奇。它跑到河边去抓鱼。',
  ko: '작은 여우가 숲에서 잠에서 깼다. 여우는 배가 고프고 궁금했다. 여우는 물고기를 잡으러 강으로 달려갔다.',
};

let client: Client;
let workers: RunningWorkers;

beforeAll(async () => {
  client = await connectTestClient();
  workers = await startTestWorkers();
});

afterAll(async () => {
  await workers?.stop();
  await client?.connection.close();
});

function makeShort(id: string, request: ShortRequest): Promise<ShortResult> {
  return client.workflow.execute(shortVideo, {
    taskQueue: workers.taskQueue,
    workflowId: `${id}-${Date.now()}`,
    args: [request as never],
  });
}

function expectedDuration(result: ShortResult, transition = 0.5): number {
  const sum = result.scenes.reduce((total, s) => total + s.durationSec, 0);
  return sum - (result.scenes.length - 1) * transition;
}

describe('shortVideo workflow on a real Temporal server', () => {
  it('renders a vertical 1080×1920, 30 fps short with narration, cross-fades and captions', async () => {
    const result = await makeShort('short-en', { story: STORIES.en, sceneCount: 3 });
    const info = await probe(result.videoPath);
    const video = info.streams.find((s) => s.type === 'video');
    const audio = info.streams.find((s) => s.type === 'audio');

    expect(video).toMatchObject({ codec: 'h264', width: 1080, height: 1920, fps: 30, pixelFormat: 'yuv420p' });
    expect(audio).toMatchObject({ codec: 'aac' });
    expect(result.scenes).toHaveLength(3);
    expect(info.durationSec).toBeCloseTo(expectedDuration(result), 0);
    expect(Math.abs(info.durationSec - expectedDuration(result))).toBeLessThanOrEqual(0.3);
    expect(result).toMatchObject({ width: 1080, height: 1920, fps: 30, language: 'en', offline: true });
    expect(result.providers).toEqual({
      plan: 'offline-splitter',
      visuals: ['offline-art'],
      narration: ['espeak-ng'],
      render: 'ffmpeg',
    });
    expect(result.sizeBytes).toBe(info.sizeBytes);

    // The same story without captions: frames where a caption shows must differ, so captions exist.
    const plain = await makeShort('short-en-plain', { story: STORIES.en, sceneCount: 3, captions: false });
    const scene = result.scenes[1]!;
    const during = scene.narrationStartSec + scene.narrationDurationSec / 2;
    const captioned = await grayFrame(result.videoPath, during);
    const uncaptioned = await grayFrame(plain.videoPath, during);
    expect(meanDifference(captioned, uncaptioned)).toBeGreaterThan(0.5);
    // And outside any caption (inside the first scene, before its narration) they are the same image.
    expect(meanDifference(await grayFrame(result.videoPath, 0.1), await grayFrame(plain.videoPath, 0.1))).toBeLessThan(
      0.5,
    );
  });

  it('answers the progress query with per-scene state after completion', async () => {
    const handle = await client.workflow.start(shortVideo, {
      taskQueue: workers.taskQueue,
      workflowId: `short-progress-${Date.now()}`,
      args: [{ story: STORIES.en, sceneCount: 2, aspect: '1:1' } as never],
    });
    await handle.result();
    const progress = await handle.query(getShortProgressQuery);
    expect(progress.stage).toBe('completed');
    expect(progress.percent).toBe(100);
    expect(progress.scenes.map((s) => [s.visual, s.narration])).toEqual([
      ['done', 'done'],
      ['done', 'done'],
    ]);
  });

  it.each([
    ['ru', STORIES.ru],
    ['zh', STORIES.zh],
    ['ko', STORIES.ko],
  ] as const)('narrates and captions a %s story, detecting its language', async (language, story) => {
    const result = await makeShort(`short-${language}`, { story, sceneCount: 2, aspect: '1:1' });
    const info = await probe(result.videoPath);
    expect(result.language).toBe(language);
    expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080, fps: 30 });
    expect(info.streams.some((s) => s.type === 'audio')).toBe(true);
    expect(Math.abs(info.durationSec - expectedDuration(result))).toBeLessThanOrEqual(0.3);
    for (const scene of result.scenes) expect(scene.narrationDurationSec).toBeGreaterThan(0.5);
  });

  it('fails fast with InvalidInput for input that bypassed the API', async () => {
    await expect(makeShort('short-bad', { story: '', sceneCount: 99 })).rejects.toMatchObject({
      cause: { type: 'InvalidInput' },
    });
  });
});

describe('shortVideo failures', () => {
  it('reports a missing narration tool as ToolMissing for the whole run, with what to do', async () => {
    const { createEspeakProvider } = await import('../src/providers/espeak.js');
    const broken = await startTestWorkers({
      deps: { narrationProvider: createEspeakProvider({ espeakPath: '/nonexistent/espeak-ng' }) },
    });
    try {
      const run = client.workflow.execute(shortVideo, {
        taskQueue: broken.taskQueue,
        workflowId: `short-no-espeak-${Date.now()}`,
        args: [{ story: STORIES.en, sceneCount: 2, aspect: '1:1' } as never],
      });
      await expect(run).rejects.toMatchObject({
        cause: { type: 'ToolMissing', message: expect.stringMatching(/scene\(s\) 1, 2: .*npm run bootstrap/) },
      });
    } finally {
      await broken.stop();
    }
  });
});
