/**
 * What the long-video tests share: a Temporal client, a Replicate key pool on the emulator, the
 * workers, the API app, and a local file server for the test's generated videos (fetched by URL
 * through the safe fetcher, as a real source is).
 */
import type { Client } from '@temporalio/client';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { expect } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { parseConfig } from '../../src/config/index.js';
import { createSafeFetcher } from '../../src/net/safeFetch.js';
import { LocalStorage } from '../../src/storage/index.js';
import { terminateAll } from './api.js';
import { type PoolFixture, startPoolFixture } from './replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './temporal.js';

/** GET /v1/videos/:id, as much of it as most tests read. */
export interface VideoState {
  status: string;
  error?: { type: string; message: string };
}

export interface LongVideoHarness {
  client: Client;
  fixture: PoolFixture;
  workers: RunningWorkers;
  app: ReturnType<typeof createApp>;
  /** The file server's origin: `${base}/name.mp4` serves `dir/name.mp4`. */
  base: string;
  /** POST /v1/videos with a JSON body; a started run is terminated at `stop`. */
  startVideo(body: unknown): Promise<Response>;
  /** Starts a video (expecting 202), waits for its end whatever it is, and reads its state from the API. */
  runToEnd<State = VideoState>(body: unknown): Promise<{ id: string; state: State }>;
  /** Creates on the emulator for a model so far. */
  createsOf(model: string): number;
  stop(): Promise<void>;
}

export async function startLongVideoHarness(
  dir: string,
  pool: { keys: number; slots: number },
): Promise<LongVideoHarness> {
  const files: Server = createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? ''));
    stat(file).then(
      (s) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': s.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(files.address() as { port: number }).port}`;

  const client = await connectTestClient();
  const fixture = await startPoolFixture(pool.keys, pool.slots, { latencySeconds: 1, jitter: 0.2 });
  const fetch = { allow: ['127.0.0.1'], maxBytes: 512 * 1024 * 1024, timeoutMs: 60_000 };
  const workers = await startTestWorkers({ replicate: fixture.replicate, deps: { fetcher: createSafeFetcher(fetch) } });
  const config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir, FETCH_ALLOW: '127.0.0.1' });
  const app = createApp({
    client,
    config: { ...config, replicate: fixture.replicate },
    storage: new LocalStorage(workers.dataDir),
    taskQueue: workers.taskQueue,
  });
  const started = new Set<string>();

  async function startVideo(body: unknown): Promise<Response> {
    const res = await app.request('/v1/videos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status === 202) started.add(((await res.clone().json()) as { id: string }).id);
    return res;
  }

  return {
    client,
    fixture,
    workers,
    app,
    base,
    startVideo,
    async runToEnd<State>(body: unknown) {
      const res = await startVideo(body);
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      await client.workflow
        .getHandle(id)
        .result()
        .catch(() => undefined);
      return { id, state: (await (await app.request(`/v1/videos/${id}`)).json()) as State };
    },
    createsOf: (model) => fixture.emulator.stats().creates.filter((c) => c.model === model).length,
    async stop() {
      await terminateAll(client, started);
      await workers.stop();
      await fixture.emulator.close();
      files.close();
      await client.connection.close();
    },
  };
}
