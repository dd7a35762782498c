/**
 * Regenerate one scene through the API on a real Temporal server against the Replicate emulator: a
 * revision run that names its parent, takes the parent's plan with that one scene changed, and pays
 * for exactly one new image (emulator accounting); the other scenes come from the generation cache.
 */
import type { Client } from '@temporalio/client';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import type { ShortResult } from '../src/domain/result.js';
import type { ReplicateEmulator } from '../src/emulators/replicate/index.js';
import { segmentLayouts, segmentsOfScene } from '../src/media/render/segments.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, postJson, terminateAll } from './support/api.js';
import { replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

/** The `model` of every cache entry (its maker): how many of each thing were ever made. */
async function cacheEntriesBy(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'cache', 'generations');
  const files = (await readdir(root, { recursive: true })).filter((f) => String(f).endsWith('manifest.json'));
  return Promise.all(
    files.map(async (f) => (JSON.parse(await readFile(path.join(root, String(f)), 'utf8')) as { model: string }).model),
  );
}

let client: Client;
let emulator: ReplicateEmulator;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  const fixture = await startPoolFixture(1, 4, { latencySeconds: 0.2, jitter: 0 });
  emulator = fixture.emulator;
  workers = await startTestWorkers({ replicate: fixture.replicate });
  const config = { ...parseConfig({ ...process.env, DATA_DIR: workers.dataDir }), replicate: fixture.replicate };
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await emulator?.close();
  await client?.connection.close();
});

describe('POST /v1/shorts/:id/scenes/:n/regenerate', () => {
  it('revises one scene for the price of one image; the others come from the cache', { timeout: 120_000 }, async () => {
    // Rendered as segments (with transitions and captions), so the revision can reuse them.
    const request = {
      ...replicateShort(uniqueStory('the revised bay', 3), 3),
      transition: { type: 'crossfade', duration: 0.5 },
      captions: true,
      render: 'segmented',
    };
    const res = await postJson(app, '/v1/shorts', request, {}, started);
    expect(res.status).toBe(202);
    const parentId = ((await res.json()) as { id: string }).id;
    const parent = (await client.workflow.getHandle(parentId).result()) as ShortResult;
    const before = emulator.stats().totals.created;
    expect(before).toBe(3);

    // Nothing to change, a scene that does not exist: refused, nothing started.
    await expectError(
      await postJson(app, `/v1/shorts/${parentId}/scenes/2/regenerate`, {}, {}, started),
      400,
      'invalid_request',
    );
    await expectError(
      await postJson(app, `/v1/shorts/${parentId}/scenes/9/regenerate`, { imagePrompt: 'x' }, {}, started),
      404,
      'not_found',
    );

    const prompt = 'storybook illustration: a red lantern on a cliff above the bay';
    const rev = await postJson(app, `/v1/shorts/${parentId}/scenes/2/regenerate`, { imagePrompt: prompt }, {}, started);
    expect(rev.status).toBe(202);
    const body = (await rev.json()) as { id: string; parent: string; scene: number };
    expect(body).toMatchObject({ parent: parentId, scene: 2 });
    expect(body.id).toMatch(/-rev-/);
    const revised = (await client.workflow.getHandle(body.id).result()) as ShortResult;

    expect(emulator.stats().totals.created - before).toBe(1);
    expect(revised.revisionOf).toEqual({ parentId, scene: 2 });
    expect(revised.plan!.scenes[1]!.imagePrompt).toBe(prompt);
    expect(revised.plan!.scenes[0]).toEqual(parent.plan!.scenes[0]);
    expect(revised.scenes.map((s) => s.cached ?? false)).toEqual([true, false, true]);
    expect(revised.cost).toEqual({ usd: 0.003, predictions: 1, unpriced: 0 });

    // The parent encoded all five segments; the revision only scene 2's body and its two transitions.
    const fps = 12;
    const layouts = segmentLayouts({
      fps,
      transition: { type: 'crossfade', duration: 0.5 },
      timeline: { scenes: revised.scenes },
    });
    expect(parent.segmented).toMatchObject({ segments: 5, encoded: 5 });
    const changed = segmentsOfScene(layouts, 1);
    expect(changed).toEqual([1, 2, 3]);
    expect(revised.segmented).toEqual({
      segments: 5,
      encoded: 3,
      encodedFrames: changed.reduce((sum, i) => sum + layouts[i]!.frames, 0),
      totalFrames: layouts.reduce((sum, s) => sum + s.frames, 0),
    });
    // Unchanged frames cost nothing; the whole short is still there, every frame, verified on join.
    expect(revised.durationSec).toBeCloseTo(parent.durationSec, 2);
    // Only a picture changed: the narration and the mix are the parent's, reused, not made again.
    const made = await cacheEntriesBy(workers.dataDir);
    expect(made.filter((m) => m === 'soundtrack-mix')).toHaveLength(1);
    expect(made.filter((m) => m === 'espeak-ng')).toHaveLength(3);
  });
});

describe('POST /v1/shorts/:id/retry', () => {
  it('makes a failed short again, paying only for the scene that failed', { timeout: 120_000 }, async () => {
    // Scene 2's image fails for good (the only prompt about the silver fish); scenes 1 and 3 finish.
    emulator.setFaults({ modelErrorInputIncludes: 'silver fish' });
    const res = await postJson(app, '/v1/shorts', replicateShort(uniqueStory('the retried reef', 3), 3), {}, started);
    const parentId = ((await res.json()) as { id: string }).id;
    await expect(client.workflow.getHandle(parentId).result()).rejects.toThrow();

    // A completed short is not retried.
    const done = await postJson(app, '/v1/shorts', replicateShort(uniqueStory('the finished reef', 1), 1), {}, started);
    const doneId = ((await done.json()) as { id: string }).id;
    await client.workflow.getHandle(doneId).result();
    const refused = await app.request(`/v1/shorts/${doneId}/retry`, { method: 'POST' });
    await expectError(refused, 409, 'not_failed');

    emulator.setFaults({ modelErrorInputIncludes: '' });
    const before = emulator.stats().totals.created;
    const retry = await app.request(`/v1/shorts/${parentId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    const body = (await retry.json()) as { id: string; parent: string };
    expect(body).toMatchObject({ parent: parentId });
    expect(body.id).toMatch(/-retry-/);
    const retried = (await client.workflow.getHandle(body.id).result()) as ShortResult;
    // Only the scene that failed is predicted again; the two that finished come from the cache.
    expect(emulator.stats().totals.created - before).toBe(1);
    expect(retried.scenes.map((s) => s.cached ?? false)).toEqual([true, false, true]);
    expect(retried.cost).toEqual({ usd: 0.003, predictions: 1, unpriced: 0 });
    expect(retried.revisionOf).toEqual({ parentId });
  });
});
