/**
 * The generation cache on a real Temporal server against the Replicate emulator, asserted on the
 * emulator's accounting: a repeated short or batch task is served from storage at no cost and makes
 * no prediction; `cache: false` pays again; two identical shorts at once make one prediction per
 * scene between them; an entry whose stored file is gone is never served.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageBatchResult } from '../src/domain/batch.js';
import type { ShortResult } from '../src/domain/result.js';
import type { ReplicateEmulator } from '../src/emulators/replicate/index.js';
import { imageBatch, shortVideo } from '../src/workflows/index.js';
import { probe } from './support/media.js';
import { replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

let client: Client;
let emulator: ReplicateEmulator;
let workers: RunningWorkers;

beforeAll(async () => {
  client = await connectTestClient();
  const fixture = await startPoolFixture(1, 4, { latencySeconds: 0.2, jitter: 0 });
  emulator = fixture.emulator;
  workers = await startTestWorkers({ replicate: fixture.replicate });
});

afterAll(async () => {
  await workers?.stop();
  await emulator?.close();
  await client?.connection.close();
});

function short(input: Record<string, unknown>): Promise<ShortResult> {
  return client.workflow.execute(shortVideo, {
    taskQueue: workers.taskQueue,
    workflowId: `short-cache-${randomUUID()}`,
    args: [input as never],
  }) as Promise<ShortResult>;
}

function batch(input: Record<string, unknown>): Promise<ImageBatchResult> {
  return client.workflow.execute(imageBatch, {
    taskQueue: workers.taskQueue,
    workflowId: `batch-cache-${randomUUID()}`,
    args: [input as never],
  });
}

const created = () => emulator.stats().totals.created;

describe('generation cache', () => {
  it(
    'a repeated short makes no prediction and costs nothing; cache: false pays again',
    { timeout: 120_000 },
    async () => {
      const input = replicateShort(uniqueStory('the cached cove', 3), 3);
      const before = created();
      const first = await short(input);
      expect(created() - before).toBe(3);
      expect(first.cost).toMatchObject({ predictions: 3, usd: 0.009 });

      const again = await short(input);
      expect(created() - before).toBe(3);
      expect(again.cost).toEqual({ usd: 0, predictions: 0, unpriced: 0 });
      expect(again.scenes.every((s) => s.cached)).toBe(true);
      const info = await probe(again.videoPath);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });

      const fresh = await short({ ...input, cache: false });
      expect(created() - before).toBe(6);
      expect(fresh.cost).toMatchObject({ predictions: 3 });
      expect(fresh.scenes.some((s) => s.cached)).toBe(false);
    },
  );

  it(
    'two identical shorts started together make one prediction per scene between them',
    { timeout: 120_000 },
    async () => {
      // A slow model, so the second short's scenes ask while the first's predictions still run.
      emulator.registerModel({ model: 'reelflow-test/slow-image', latencySeconds: 2, jitter: 0 });
      const input = { ...replicateShort(uniqueStory('the twin harbours', 3), 3), model: 'reelflow-test/slow-image' };
      const before = created();
      const [a, b] = await Promise.all([short(input), short(input)]);
      expect(created() - before).toBe(3);
      // Each scene was predicted by one of the two and served to the other from the cache.
      for (let i = 0; i < 3; i++) {
        expect([a.scenes[i]!.cached ?? false, b.scenes[i]!.cached ?? false].sort()).toEqual([false, true]);
      }
      expect(a.cost!.predictions + b.cost!.predictions).toBe(3);
      // No claim is left behind once both are done.
      const claims = (await readdir(path.join(workers.dataDir, 'cache', 'generations'), { recursive: true })).filter(
        (f) => String(f).endsWith('claim.json'),
      );
      expect(claims).toEqual([]);
    },
  );

  it(
    'a repeated batch task is served from storage; URL-only tasks and lost files are never served',
    { timeout: 120_000 },
    async () => {
      const tasks = [{ prompt: `A cached lighthouse ${randomUUID()}` }, { prompt: `A cached harbour ${randomUUID()}` }];
      const before = created();
      const first = await batch({ tasks });
      expect(created() - before).toBe(2);
      expect(first.successful_results.some((r) => r.cached)).toBe(false);

      const again = await batch({ tasks });
      expect(created() - before).toBe(2);
      expect(again.successful_results.map((r) => r.cached)).toEqual([true, true]);
      expect(again.cost).toEqual({ usd: 0, predictions: 0, unpriced: 0 });
      expect(again.successful_results[0]!.generated_files[0]!.filename).toBe('image.png');

      // Returning Replicate's URLs stores nothing, so nothing can be served from storage.
      await batch({ tasks, download: false });
      expect(created() - before).toBe(4);

      // Every cached file removed: the entries are incomplete, so they are predicted again.
      const cacheDir = path.join(workers.dataDir, 'cache', 'generations');
      for (const shard of await readdir(cacheDir)) {
        for (const entry of await readdir(path.join(cacheDir, shard))) {
          await rm(path.join(cacheDir, shard, entry, '0.png'), { force: true });
        }
      }
      const lost = await batch({ tasks });
      expect(created() - before).toBe(6);
      expect(lost.successful_results.some((r) => r.cached)).toBe(false);
    },
  );
});
