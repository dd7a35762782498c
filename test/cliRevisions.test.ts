/**
 * `reelflow regenerate` and `reelflow retry` as a person runs them: the real CLI in its own process,
 * against a worker set with the emulator's key on this file's task queue, sharing its DATA_DIR.
 * They start runs through the same code as the API (runs/revisions.ts), so the accounting is the
 * API's: one new image for the revised scene, one for the scene that failed, the rest cached.
 */
import type { Client } from '@temporalio/client';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import type { ShortResult } from '../src/domain/result.js';
import { LocalStorage } from '../src/storage/index.js';
import { postJson, terminateAll } from './support/api.js';
import { reelflow } from './support/cli.js';
import { type PoolFixture, replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

let client: Client;
let pool: PoolFixture;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
let env: NodeJS.ProcessEnv;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  pool = await startPoolFixture(1, 4, { latencySeconds: 0.2, jitter: 0 });
  workers = await startTestWorkers({ replicate: pool.replicate });
  const config = { ...parseConfig({ ...process.env, DATA_DIR: workers.dataDir }), replicate: pool.replicate };
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: workers.taskQueue,
    DATA_DIR: workers.dataDir,
    RENDER_PRESET: 'ultrafast',
    REPLICATE_API_TOKEN: pool.tokens[0],
    REPLICATE_BASE_URL: pool.emulator.url,
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await pool?.emulator.close();
  await client?.connection.close();
});

/** A short made through the API, to revise or retry from the CLI; resolves once it has ended. */
async function madeShort(tag: string, scenes: number): Promise<string> {
  const res = await postJson(app, '/v1/shorts', replicateShort(uniqueStory(tag, scenes), scenes), {}, started);
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { id: string }).id;
  await client.workflow
    .getHandle(id)
    .result()
    .catch(() => undefined);
  return id;
}

interface MadeJson {
  id: string;
  output: string;
  sizeBytes: number;
  cost: { usd: number; predictions: number; unpriced: number };
  revisionOf?: { parentId: string; scene?: number };
}

describe('reelflow regenerate', () => {
  it('revises one scene for exactly one new image; the others come from the cache', { timeout: 180_000 }, async () => {
    const parentId = await madeShort('the lantern cove', 3);
    const parent = (await client.workflow.getHandle(parentId).result()) as ShortResult;
    const before = pool.emulator.stats().totals.created;
    expect(before).toBe(3);

    // Refused with the API's words and a hint, before anything starts: no such scene, nothing to
    // change, and a retry of a short that completed.
    const noScene = await reelflow(['regenerate', parentId, '--scene', '9', '--prompt', 'a red lantern'], env);
    expect(noScene.code).toBe(1);
    expect(noScene.stderr).toMatch(/has scenes 1 to 3; there is no scene 9\. Pick --scene 1 to 3/);
    const nothing = await reelflow(['regenerate', parentId, '--scene', '2'], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to change: give --prompt, --narration or --motion-prompt/);
    const done = await reelflow(['retry', parentId], env);
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(
      /is completed; only a failed or cancelled short can be retried\. .*reelflow regenerate/,
    );
    for (const refused of [noScene, nothing, done]) expect(refused.stdout).toBe('');
    expect(pool.emulator.stats().totals.created).toBe(before);

    const prompt = 'storybook illustration: a red lantern on a cliff above the cove';
    const out = path.join(await tempDataDir(), 'out', 'revised.mp4');
    const rev = await reelflow(
      ['regenerate', parentId, '--scene', '2', '--prompt', prompt, '--out', out, '--json'],
      env,
    );
    expect(rev.code, rev.stderr).toBe(0);
    const made = JSON.parse(rev.stdout) as MadeJson;
    started.add(made.id);
    expect(made.id).toMatch(/-rev-/);
    expect(made).toMatchObject({ output: out, revisionOf: { parentId, scene: 2 } });
    expect(made.cost).toEqual({ usd: 0.003, predictions: 1, unpriced: 0 });
    expect(pool.emulator.stats().totals.created - before).toBe(1);
    expect((await stat(out)).size).toBe(made.sizeBytes);

    const revised = (await client.workflow.getHandle(made.id).result()) as ShortResult;
    expect(revised.plan!.scenes[1]!.imagePrompt).toBe(prompt);
    expect(revised.plan!.scenes[0]).toEqual(parent.plan!.scenes[0]);
    expect(revised.scenes.map((s) => s.cached ?? false)).toEqual([true, false, true]);
  });
});

describe('reelflow retry', () => {
  it('makes a failed short again, paying only for the scene that failed', { timeout: 180_000 }, async () => {
    // Scene 2's image fails for good (the only prompt about the silver fish); scenes 1 and 3 finish.
    pool.emulator.setFaults({ modelErrorInputIncludes: 'silver fish' });
    const parentId = await madeShort('the retried lagoon', 3);
    pool.emulator.setFaults({ modelErrorInputIncludes: '' });
    expect((await client.workflow.getHandle(parentId).describe()).status.name).toBe('FAILED');

    const notDone = await reelflow(['regenerate', parentId, '--scene', '1', '--prompt', 'a calm lagoon'], env);
    expect(notDone.code).toBe(1);
    expect(notDone.stderr).toMatch(/is failed; only a completed short can be revised\. .*reelflow retry/);

    // No --out: the video lands next to the person, named after the new run.
    const cwd = await tempDataDir();
    const before = pool.emulator.stats().totals.created;
    const retried = await reelflow(['retry', parentId, '--json'], env, { cwd });
    expect(retried.code, retried.stderr).toBe(0);
    const made = JSON.parse(retried.stdout) as MadeJson;
    started.add(made.id);
    expect(made.id).toMatch(/-retry-/);
    expect(made).toMatchObject({ output: path.join(cwd, `${made.id}.mp4`), revisionOf: { parentId } });
    expect((await stat(made.output)).size).toBe(made.sizeBytes);
    expect(pool.emulator.stats().totals.created - before).toBe(1);
    expect(made.cost).toEqual({ usd: 0.003, predictions: 1, unpriced: 0 });
    const result = (await client.workflow.getHandle(made.id).result()) as ShortResult;
    expect(result.scenes.map((s) => s.cached ?? false)).toEqual([true, false, true]);
  });
});
