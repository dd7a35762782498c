/**
 * Cancelling a long video stops paying: its running chunks' predictions are cancelled upstream and
 * the chunks still waiting for a slot never start. A real Temporal server, real ffmpeg, the
 * Replicate emulator with slow speech recognition (so the cancel lands mid-prediction).
 */
import type { Client } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { terminateAll } from './support/api.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { distinctWords, makeSpokenVideo } from './support/spokenVideo.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

let client: Client;
let fixture: PoolFixture;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
let file: string;
const started = new Set<string>();

beforeAll(async () => {
  const words = await distinctWords();
  file = path.join(await tempDataDir(), 'three-minutes.mp4');
  await makeSpokenVideo(
    file,
    180,
    [15, 75, 135].map((at, i) => ({ word: words[i]!, at })),
  );
  client = await connectTestClient();
  // Two keys with one slot each and three chunks: two predictions run, the third waits.
  fixture = await startPoolFixture(2, 1, { latencyByKind: { transcript: 30 }, jitter: 0 });
  workers = await startTestWorkers({ replicate: fixture.replicate });
  const config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir });
  app = createApp({
    client,
    config: { ...config, replicate: fixture.replicate },
    storage: new LocalStorage(workers.dataDir),
    taskQueue: workers.taskQueue,
  });
}, 120_000);

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await fixture?.emulator.close();
  await client?.connection.close();
});

describe('cancelling a long video', () => {
  it(
    'cancels every running chunk’s prediction upstream and starts none of the waiting ones',
    { timeout: 120_000 },
    async () => {
      const form = new FormData();
      form.set('file', new Blob([await readFile(file)], { type: 'video/mp4' }), 'three-minutes.mp4');
      form.set('chunkMinutes', '1');
      const res = await app.request('/v1/videos', { method: 'POST', body: form });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      started.add(id);
      const emulator = fixture.emulator;
      await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(2), { timeout: 60_000, interval: 200 });

      const cancel = await app.request(`/v1/videos/${id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(0), { timeout: 20_000, interval: 200 });
      await expect(client.workflow.getHandle(id).result()).rejects.toThrow();

      const state = (await (await app.request(`/v1/videos/${id}`)).json()) as {
        status: string;
        progress: { stage: string; chunks: { status: string }[] };
      };
      expect(state.status).toBe('cancelled');
      expect(state.progress.chunks).toHaveLength(3);
      const stats = emulator.stats();
      expect(stats.totals.created).toBe(2);
      expect(stats.totals.canceled).toBe(2);
      expect(stats.totals.succeeded).toBe(0);
      for (const { predictionId } of stats.creates) expect(emulator.prediction(predictionId)?.status).toBe('canceled');
      // The freed slots do not pick up the cancelled video's waiting chunk.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(emulator.stats().totals.created).toBe(2);
    },
  );
});
