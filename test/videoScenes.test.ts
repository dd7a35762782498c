/**
 * Video scenes through the key pool on a real Temporal server: clips from text-to-video and
 * image-to-video models on the Replicate emulator (real small MP4s), mixed with stills in one short
 * that ffprobe checks; a scene whose clip is refused falls back to its still and says why; a strict
 * run fails instead; a cancelled run cancels its video predictions upstream.
 */
import { type Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { countPackets } from '../src/media/ffmpeg.js';
import { getShortProgressQuery } from '../src/workflows/definitions.js';
import { shortVideo } from '../src/workflows/index.js';
import { probe } from './support/media.js';
import { historyText } from './support/history.js';
import { replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tools } from './support/temporal.js';

const T2V = 'kwaivgi/kling-v2.5-turbo-pro';
const I2V = 'kwaivgi/kling-v2.1';
const IMAGE = 'black-forest-labs/flux-schnell';

let client: Client;
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  client = await connectTestClient();
});

afterEach(async () => {
  const pending = cleanups.reverse();
  cleanups = [];
  for (const stop of pending) await stop();
});

afterAll(async () => {
  await client?.connection.close();
});

async function pool(keys: number, limit: number, options: Parameters<typeof startPoolFixture>[2] = {}) {
  const fixture = await startPoolFixture(keys, limit, { latencyByKind: { image: 0.3, video: 0.6 }, ...options });
  cleanups.push(() => fixture.emulator.close());
  const workers = await startTestWorkers({ replicate: fixture.replicate });
  cleanups.push(() => workers.stop());
  return { ...fixture, workers };
}

function startShort(workers: RunningWorkers, name: string, input: Record<string, unknown>) {
  return client.workflow.start(shortVideo, {
    taskQueue: workers.taskQueue,
    workflowId: `${name}-${randomUUID()}`,
    args: [input as never],
  });
}

/** Predictions created per model, from the emulator's own log. */
function createsByModel(creates: { model: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { model } of creates) counts[model] = (counts[model] ?? 0) + 1;
  return counts;
}

async function workflowFailure(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    () => expect.unreachable('the workflow should not complete'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

describe('video scenes', () => {
  it(
    'renders 3 video and 2 image scenes into one short: size, rate, length and sound checked by ffprobe',
    { timeout: 180_000 },
    async () => {
      const { emulator, workers } = await pool(2, 3);
      const story = uniqueStory('the mixed valley', 5);
      const handle = await startShort(workers, 'short-mixed-visuals', {
        ...replicateShort(story, 5),
        transition: { type: 'crossfade', duration: 0.25 },
        visuals: ['video', 'image', 'video', 'image', 'video'],
        videoModel: T2V,
      });
      const result = (await handle.result()) as ShortResult;

      expect(createsByModel(emulator.stats().creates)).toEqual({ [T2V]: 3, [IMAGE]: 2 });
      expect(result.scenes.map((s) => s.visualMode ?? 'image')).toEqual(['video', 'image', 'video', 'image', 'video']);
      result.scenes.forEach((scene, i) => {
        if (i % 2 === 0) {
          expect(scene).toMatchObject({
            clipRef: expect.stringMatching(/clip\.mp4$/),
            visualProvider: `replicate:${T2V}`,
          });
          expect(scene.imageRef).toBeUndefined();
        } else {
          expect(scene).toMatchObject({ imageRef: expect.any(String), visualProvider: `replicate:${IMAGE}` });
          expect(scene.clipRef).toBeUndefined();
        }
      });
      expect(result.fallbacks).toBeUndefined();
      expect(result.providers.visuals.sort()).toEqual([`replicate:${IMAGE}`, `replicate:${T2V}`]);

      // The timeline: every scene's length, less one overlap per transition.
      const expected = result.scenes.reduce((sum, s) => sum + s.durationSec, 0) - 0.25 * 4;
      const info = await probe(result.videoPath);
      const video = info.streams.find((s) => s.type === 'video');
      expect(video).toMatchObject({ width: 1080, height: 1080 });
      expect(video?.fps).toBeCloseTo(12, 3);
      expect(info.streams.some((s) => s.type === 'audio')).toBe(true);
      expect(info.durationSec).toBeCloseTo(expected, 0);
      const packets = await countPackets(tools, result.videoPath);
      expect(packets.streams.find((s) => s.type === 'video')?.readPackets).toBe(Math.round(expected * 12));

      // What it cost adds up to the emulator's own metrics × the catalog's prices: flux-schnell
      // $0.003 an image, Kling v2.5 Turbo Pro $0.07 a second of output video.
      const expectedUsd = emulator
        .stats()
        .creates.map(({ predictionId, model }) => {
          const metrics = emulator.prediction(predictionId)?.metrics as { video_output_duration_seconds?: number };
          return model === T2V ? 0.07 * metrics.video_output_duration_seconds! : 0.003;
        })
        .reduce((a, b) => a + b, 0);
      expect(result.cost).toEqual({ usd: Math.round(expectedUsd * 10_000) / 10_000, predictions: 5, unpriced: 0 });
      expect(result.cost!.usd).toBeGreaterThan(0.7); // three clips of at least 5 s at $0.07/s
      expect(result.scenes.map((s) => s.cost?.predictions)).toEqual([1, 1, 1, 1, 1]);
      expect(result.scenes[1]!.cost).toEqual({ usd: 0.003, predictions: 1, unpriced: 0 });

      // Progress says which scenes were clips, and that each clip came through.
      const progress = await handle.query(getShortProgressQuery);
      expect(progress.scenes.map((s) => s.clip)).toEqual(['done', undefined, 'done', undefined, 'done']);
    },
  );

  it(
    'image-to-video makes exactly one image and one video prediction per scene, the still sent as a data URL',
    { timeout: 180_000 },
    async () => {
      const { emulator, workers } = await pool(2, 2);
      const story = uniqueStory('the animated lake', 2);
      const handle = await startShort(workers, 'short-i2v', {
        ...replicateShort(story, 2),
        visuals: 'image-to-video',
        videoModel: I2V,
      });
      const result = (await handle.result()) as ShortResult;

      const stats = emulator.stats();
      expect(createsByModel(stats.creates)).toEqual({ [IMAGE]: 2, [I2V]: 2 });
      expect(Object.values(stats.predictionsByInput)).toEqual([1, 1, 1, 1]);
      for (const { predictionId, model } of stats.creates) {
        if (model !== I2V) continue;
        const input = emulator.prediction(predictionId)?.input as Record<string, unknown>;
        expect(String(input.start_image)).toMatch(/^data:image\/jpeg;base64,/);
      }
      for (const scene of result.scenes) {
        expect(scene).toMatchObject({
          visualMode: 'image-to-video',
          imageRef: expect.any(String),
          clipRef: expect.any(String),
        });
      }
    },
  );

  it(
    "a 422 on one scene's video leaves the other scenes alone: that scene shows its still and says why",
    { timeout: 180_000 },
    async () => {
      const { emulator, workers } = await pool(2, 2);
      // Scene 2's sentence is the only one about the silver fish; only its video input is refused.
      emulator.setFaults({ rejectInputIncludes: 'silver fish', rejectModel: T2V });
      const story = uniqueStory('the refused reef', 3);
      const handle = await startShort(workers, 'short-video-fallback', {
        ...replicateShort(story, 3),
        visuals: 'video',
        videoModel: T2V,
      });
      const result = (await handle.result()) as ShortResult;

      expect(result.fallbacks).toEqual([
        { scene: 2, type: 'ReplicateInvalidInput', reason: expect.stringContaining('422') },
      ]);
      expect(result.scenes[1]).toMatchObject({
        visualMode: 'video',
        imageRef: expect.any(String),
        visualProvider: `replicate:${IMAGE}`,
        fallback: { type: 'ReplicateInvalidInput' },
      });
      expect(result.scenes[1]!.clipRef).toBeUndefined();
      for (const i of [0, 2])
        expect(result.scenes[i]).toMatchObject({ clipRef: expect.any(String), visualProvider: `replicate:${T2V}` });
      // Two clips made, one still for the refused scene; the refusal was not retried (one attempt).
      expect(createsByModel(emulator.stats().creates)).toEqual({ [T2V]: 2, [IMAGE]: 1 });
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const texts = await Promise.all(events.map(historyText));
      const videoStarts = events.filter(
        (e, i) => e.activityTaskStartedEventAttributes && /"sceneIndex":1/.test(texts[i]!),
      );
      expect(videoStarts.every((e) => (e.activityTaskStartedEventAttributes!.attempt ?? 1) === 1)).toBe(true);

      const progress = await handle.query(getShortProgressQuery);
      expect(progress.scenes[1]).toMatchObject({
        clip: 'failed',
        visual: 'done',
        fallback: expect.stringContaining('422'),
      });
      expect(progress.scenes[0]).toMatchObject({ clip: 'done', visual: 'done' });
      const info = await probe(result.videoPath);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
    },
  );

  it('strict: a scene whose clip fails for good fails the run as VideoFailed', { timeout: 120_000 }, async () => {
    const { emulator, workers } = await pool(1, 2);
    emulator.setFaults({ rejectInputIncludes: 'silver fish', rejectModel: T2V });
    const story = uniqueStory('the strict reef', 2);
    const handle = await startShort(workers, 'short-video-strict', {
      ...replicateShort(story, 2),
      visuals: 'video',
      videoModel: T2V,
      strict: true,
    });
    const err = await workflowFailure(handle);
    expect(err.cause).toMatchObject({ type: 'VideoFailed', message: expect.stringContaining('Scene 2') });
    // No still was paid for as a fallback.
    expect(createsByModel(emulator.stats().creates)).toEqual({ [T2V]: 1 });
  });

  it('cancelling during a video prediction cancels it upstream', { timeout: 120_000 }, async () => {
    const { emulator, workers } = await pool(1, 2, { latencyByKind: { video: 30 } });
    const story = uniqueStory('the cancelled film', 2);
    const handle = await startShort(workers, 'short-video-cancel', {
      ...replicateShort(story, 2),
      visuals: 'video',
      videoModel: T2V,
    });
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(2), { timeout: 60_000 });
    await handle.cancel();
    const err = await workflowFailure(handle);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(0), { timeout: 15_000 });
    const stats = emulator.stats();
    expect(stats.totals.canceled).toBe(2);
    expect(stats.totals.succeeded).toBe(0);
    for (const { predictionId } of stats.creates) expect(emulator.prediction(predictionId)?.status).toBe('canceled');
  });
});
