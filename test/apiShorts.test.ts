import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { serveApi } from '../src/api/server.js';
import { type Config, parseConfig } from '../src/config/index.js';
import type { ShortProgress } from '../src/domain/progress.js';
import type { ShortResult } from '../src/domain/result.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import type { NarrationProvider } from '../src/providers/types.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, terminateAll } from './support/api.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tools } from './support/temporal.js';

/**
 * Shorts made end to end through the HTTP API on real workers. Narration waits behind a gate the
 * test opens, so "still running" states are reached by construction rather than by timing.
 */
const STORY = 'A small fox woke up in the forest. It was hungry and curious. It ran to the river to catch a fish.';

class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  open(): void {
    this.release();
  }
}
let narrationGate = new Gate();

function gatedNarration(inner: NarrationProvider): NarrationProvider {
  return {
    name: inner.name,
    offline: inner.offline,
    voiceFor: (language, voice) => inner.voiceFor(language, voice),
    async synthesize(request) {
      const gate = narrationGate;
      await new Promise<void>((resolve, reject) => {
        gate.opened.then(resolve, reject);
        request.signal.addEventListener('abort', () => reject(new Error('cancelled while waiting at the gate')), {
          once: true,
        });
      });
      return inner.synthesize(request);
    },
  };
}

let client: Client;
let workers: RunningWorkers;
let config: Config;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  workers = await startTestWorkers({
    deps: { narrationProvider: gatedNarration(createEspeakProvider({ espeakPath: tools.espeak })) },
  });
  config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir });
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await client?.connection.close();
});

interface StatusJson {
  id: string;
  status: string;
  progress?: ShortProgress;
  result?: Record<string, unknown> & { video: string; sizeBytes: number };
  error?: { type: string; message: string };
  webUiUrl: string;
}

async function startShort(headers: Record<string, string> = {}): Promise<string> {
  const res = await app.request('/v1/shorts', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ story: STORY, sceneCount: 2, aspect: '1:1' }),
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  started.add(id);
  return id;
}

async function getStatus(id: string): Promise<StatusJson> {
  const res = await app.request(`/v1/shorts/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatusJson;
}

/** Polls until `done` holds; the suite's test timeout bounds it, nothing here measures time. */
async function pollStatus(id: string, done: (s: StatusJson) => boolean): Promise<StatusJson> {
  for (;;) {
    const status = await getStatus(id);
    if (done(status)) return status;
    await sleep(150);
  }
}

describe('a short made through the API', () => {
  let id: string;
  let file: Buffer;
  let size: number;
  const fullRunKey = `full-run-${randomUUID()}`;

  it('reports stage and per-scene progress while running, then completes without exposing paths', async () => {
    narrationGate = new Gate();
    id = await startShort({ 'idempotency-key': fullRunKey });

    // Images and narration run side by side (stage "scenes"); the gate holds the narration back.
    const running = await pollStatus(
      id,
      (s) => s.progress?.stage === 'scenes' && s.progress.scenes.every((scene) => scene.visual === 'done'),
    );
    expect(running).toMatchObject({
      id,
      status: 'running',
      webUiUrl: expect.stringContaining(id),
      progress: {
        stage: 'scenes',
        sceneCount: 2,
        scenes: [
          {
            index: 0,
            preview: expect.any(String),
            visual: 'done',
            narration: 'running',
            visualProvider: 'offline-art',
          },
          {
            index: 1,
            preview: expect.any(String),
            visual: 'done',
            narration: 'running',
            visualProvider: 'offline-art',
          },
        ],
      },
    });
    expect(running.progress!.percent).toBeGreaterThan(0);
    expect(running.progress!.percent).toBeLessThan(100);
    expect(running.result).toBeUndefined();

    const notReady = await expectError(await app.request(`/v1/shorts/${id}/video`), 409, 'not_ready');
    expect(notReady.error.message).toContain(`${running.progress!.percent}%`);
    expect(notReady.error.progress).toEqual({ stage: 'scenes', percent: running.progress!.percent });

    narrationGate.open();
    const done = await pollStatus(id, (s) => s.status !== 'running');
    expect(done).toMatchObject({
      status: 'completed',
      progress: { stage: 'completed', percent: 100 },
      result: { video: `/v1/shorts/${id}/video`, width: 1080, height: 1080, fps: 30, language: 'en', offline: true },
    });
    const text = JSON.stringify(done);
    expect(text).not.toContain(workers.dataDir);
    expect(text).not.toMatch(/videoPath|videoRef|imageRef|narrationRef/);

    const result = (await client.workflow.getHandle(id).result()) as ShortResult;
    file = await readFile(result.videoPath);
    size = file.length;
    expect(done.result!.sizeBytes).toBe(size);
  });

  it('answers a retried POST after completion with the same short', async () => {
    const { runId } = await client.workflow.getHandle(id).describe();
    const retry = await app.request('/v1/shorts', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': fullRunKey },
      body: JSON.stringify({ story: STORY, sceneCount: 2, aspect: '1:1' }),
    });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ id, status: 'completed' });
    expect((await client.workflow.getHandle(id).describe()).runId).toBe(runId);
  });

  it('GET video → 200 video/mp4 with the whole file', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(file)).toBe(true);
    expect(body.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('Range bytes=0-99 → 206 with the first 100 bytes', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`, { headers: { range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
    expect(res.headers.get('content-length')).toBe('100');
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(0, 100))).toBe(true);
  });

  it('suffix Range bytes=-100 → 206 with the last 100 bytes', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`, { headers: { range: 'bytes=-100' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${size - 100}-${size - 1}/${size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(size - 100))).toBe(true);
  });

  it('open Range bytes=<n>- → 206 to the end', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`, { headers: { range: `bytes=${size - 10}-` } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(size - 10))).toBe(true);
  });

  it('unsatisfiable Range → 416 with Content-Range: bytes */size', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`, { headers: { range: `bytes=${size}-` } });
    expect(res.headers.get('content-range')).toBe(`bytes */${size}`);
    await expectError(res, 416, 'range_not_satisfiable');
  });

  it('multiple ranges, or an If-Range that does not match, → 200 with the whole file', async () => {
    const variants: Record<string, string>[] = [
      { range: 'bytes=0-9,20-29' },
      { range: 'bytes=0-9', 'if-range': '"another-version"' },
    ];
    for (const headers of variants) {
      const res = await app.request(`/v1/shorts/${id}/video`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(size));
      expect((await res.arrayBuffer()).byteLength).toBe(size);
    }
  });

  it('HEAD → headers without a body', async () => {
    const res = await app.request(`/v1/shorts/${id}/video`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(await res.text()).toBe('');
  });

  it('streams ranges and HEAD the same way over a real HTTP server', async () => {
    const controller = new AbortController();
    const served = parseConfig({ ...process.env, DATA_DIR: workers.dataDir, API_HOST: '127.0.0.1', API_PORT: '0' });
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // A short grace: fetch keeps its sockets alive, and this test need not wait for them.
    const serving = serveApi(served, {
      client,
      signal: controller.signal,
      onListening: listening,
      shutdownGraceMs: 100,
    });
    try {
      const video = `${await url}/v1/shorts/${id}/video`;
      const partial = await fetch(video, { headers: { range: 'bytes=100-299' } });
      expect(partial.status).toBe(206);
      expect(partial.headers.get('content-range')).toBe(`bytes 100-299/${size}`);
      expect(Buffer.from(await partial.arrayBuffer()).equals(file.subarray(100, 300))).toBe(true);

      const head = await fetch(video, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(size));

      const whole = await fetch(video);
      expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    } finally {
      controller.abort();
      await serving;
      log.mockRestore();
    }
  });

  it('POST cancel on a finished short → 409 already_finished', async () => {
    const body = await expectError(
      await app.request(`/v1/shorts/${id}/cancel`, { method: 'POST' }),
      409,
      'already_finished',
    );
    expect(body.error.message).toContain('completed');
  });

  it('a video that vanished from storage → 410, an unexpected storage failure → 500 (detail only in the log)', async () => {
    const missing = createApp({
      client,
      config,
      storage: new LocalStorage(`${workers.dataDir}/elsewhere`),
      taskQueue: workers.taskQueue,
    });
    await expectError(await missing.request(`/v1/shorts/${id}/video`), 410, 'video_missing');

    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const storage = new LocalStorage(workers.dataDir);
      storage.size = () =>
        Promise.reject(Object.assign(new Error(`EACCES: permission denied ${workers.dataDir}`), { code: 'EACCES' }));
      const broken = createApp({ client, config, storage, taskQueue: workers.taskQueue });
      const body = await expectError(await broken.request(`/v1/shorts/${id}/video`), 500, 'internal');
      expect(JSON.stringify(body)).not.toContain(workers.dataDir);
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });
});

describe('cancelling a short through the API', () => {
  it('409 not_ready while it runs, 202 cancelling, then cancelled with no video', async () => {
    narrationGate = new Gate(); // stays shut: this short can never finish on its own
    const id = await startShort();

    const notReady = await expectError(await app.request(`/v1/shorts/${id}/video`), 409, 'not_ready');
    expect(notReady.error.message).toMatch(/still being made/);

    const res = await app.request(`/v1/shorts/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, status: 'cancelling' });

    const closed = await pollStatus(id, (s) => s.status !== 'running');
    expect(closed.status).toBe('cancelled');

    const video = await expectError(await app.request(`/v1/shorts/${id}/video`), 409, 'cancelled');
    expect(video.error.message).toMatch(/cancelled/);
    await expectError(await app.request(`/v1/shorts/${id}/cancel`, { method: 'POST' }), 409, 'already_finished');
  });
});
