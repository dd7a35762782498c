import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { shortVideo } from '../src/workflows/index.js';
import { probe } from './support/media.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

let client: Client;
let pool: PoolFixture;
let workers: RunningWorkers;

beforeAll(async () => {
  client = await connectTestClient();
  pool = await startPoolFixture(3, 2);
  workers = await startTestWorkers({ replicate: pool.replicate });
});

afterAll(async () => {
  await workers?.stop();
  await pool?.emulator.close();
  await client?.connection.close();
});

describe('Replicate key pool on a real Temporal server', () => {
  it('makes shorts with images from the pool without any key going over its limit', async () => {
    const stories = Array.from({ length: 4 }, (_, i) => `Story ${i}. The fox ran to the river. It caught a fish. It slept in the sun.`);
    const results = await Promise.all(
      stories.map((story, i) =>
        client.workflow.execute(shortVideo, {
          taskQueue: workers.taskQueue,
          workflowId: `short-pool-${i}-${Date.now()}`,
          args: [{ story, sceneCount: 3, aspect: '1:1', provider: 'replicate' } as never],
        }) as Promise<ShortResult>,
      ),
    );
    const stats = pool.emulator.stats();
    expect(stats.totals.created).toBe(12);
    expect(stats.concurrencyViolations).toEqual([]);
    for (const token of pool.tokens) expect(pool.emulator.stats(token)?.peakInFlight ?? 0).toBeLessThanOrEqual(2);
    // The pool spreads the load: every key did some of the work.
    for (const token of pool.tokens) expect(pool.emulator.stats(token)?.created ?? 0).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.offline).toBe(false);
      expect(result.providers.visuals).toEqual(['replicate:black-forest-labs/flux-schnell']);
      const info = await probe(result.videoPath);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
    }
  });
});
