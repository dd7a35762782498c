import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { drainLateTemporalWork } from '../src/api/deadline.js';
import { serveApi } from '../src/api/server.js';
import { idForIdempotencyKey } from '../src/runs/ids.js';
import { type Config, parseConfig } from '../src/config/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { type ErrorJson, expectError, postJson, terminateAll } from './support/api.js';
import { connectTestClient, tempDataDir, testDataConverter } from './support/temporal.js';

/**
 * The request contract of the HTTP API, against a real Temporal dev server. No worker polls this
 * file's task queue: shorts started here stay "running", which is all these tests need (the
 * rendering path is covered in apiRun.test.ts).
 */
const STORY = 'A lighthouse keeper found a bottle on the shore. Inside was a map. She followed it at dawn.';

let client: Client;
let config: Config;
let app: ReturnType<typeof createApp>;
const taskQueue = `api-test-${randomUUID()}`;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  const dataDir = await tempDataDir();
  config = parseConfig({ ...process.env, DATA_DIR: dataDir });
  app = createApp({ client, config, storage: new LocalStorage(dataDir), taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await client?.connection.close();
});

function postShort(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(app, '/v1/shorts', body, headers, started);
}

/** A bad request must not start anything: the key it carried maps to a workflow that does not exist. */
async function expectNoShortFor(idempotencyKey: string): Promise<void> {
  const handle = client.workflow.getHandle(idForIdempotencyKey('short', idempotencyKey));
  await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('POST /v1/shorts rejects bad requests and starts nothing', () => {
  it('400 invalid_json for a body that is not JSON', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postShort('{"story": "unfinished', { 'idempotency-key': key }),
      400,
      'invalid_json',
    );
    expect(body.error.message).toMatch(/not valid JSON/);
    await expectError(await postShort('', { 'idempotency-key': key }), 400, 'invalid_json');
    await expectNoShortFor(key);
  });

  it('422 provider_unavailable for provider "replicate" when no Replicate keys are configured', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postShort({ story: 'A fox.', provider: 'replicate' }, { 'idempotency-key': key }),
      422,
      'provider_unavailable',
    );
    expect(body.error.message).toMatch(/REPLICATE_API_TOKEN/);
    await expectNoShortFor(key);
  });

  it('400 invalid_request naming the missing story, with a fields list', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postShort({ sceneCount: 2 }, { 'idempotency-key': key }),
      400,
      'invalid_request',
    );
    expect(body.error.fields).toEqual([{ path: 'story', message: expect.stringMatching(/story/) }]);
    expect(body.error.message).toContain('story');
    await expectNoShortFor(key);
  });

  it('400 invalid_request listing every problem, unknown fields included', async () => {
    const body = await expectError(
      await postShort({ story: '  ', sceneCount: 99, aspect: '4:3', transition: { type: 'spin' }, colour: 'red' }),
      400,
      'invalid_request',
    );
    expect(body.error.fields!.map((f) => f.path).sort()).toEqual([
      'aspect',
      'colour',
      'sceneCount',
      'story',
      'transition.type',
    ]);
    for (const field of ['story', 'sceneCount', 'aspect', 'transition.type', 'colour'])
      expect(body.error.message).toContain(field);
  });

  it('400 for a story over 20000 characters', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postShort({ story: 'x'.repeat(20_001) }, { 'idempotency-key': key }),
      400,
      'invalid_request',
    );
    expect(body.error.fields).toEqual([{ path: 'story', message: 'story must be at most 20000 characters' }]);
    await expectNoShortFor(key);
  });

  it('413 payload_too_large for a body over API_MAX_BODY_BYTES, with Content-Length', async () => {
    const key = randomUUID();
    const json = JSON.stringify({ story: 'x'.repeat(config.api.maxBodyBytes + 1) });
    const res = await postShort(json, { 'content-length': String(Buffer.byteLength(json)), 'idempotency-key': key });
    await expectError(res, 413, 'payload_too_large');
    await expectNoShortFor(key);
  });

  it('413 payload_too_large for a chunked body without Content-Length', async () => {
    const key = randomUUID();
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"story":"'));
        if (sent > config.api.maxBodyBytes * 2) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const res = await app.request('/v1/shorts', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body,
      duplex: 'half',
    });
    await expectError(res, 413, 'payload_too_large');
    await expectNoShortFor(key);
  });

  it('accepts a small chunked body (the limit re-reads what it counted)', async () => {
    const parts = ['{"story":', JSON.stringify(STORY), ',"sceneCount":2}'].map((p) => new TextEncoder().encode(p));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await app.request('/v1/shorts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    expect(res.status).toBe(202);
    started.add(((await res.json()) as { id: string }).id);
  });

  it('415 for a body that is not declared as JSON', async () => {
    const key = randomUUID();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await postShort(JSON.stringify({ story: STORY }), { 'content-type': type, 'idempotency-key': key });
      const body = await expectError(res, 415, 'unsupported_media_type');
      expect(body.error.message).toContain('application/json');
    }
    await expectNoShortFor(key);
  });

  it('400 invalid_idempotency_key for an empty, overlong or non-printable key', async () => {
    for (const key of ['', 'k'.repeat(201), 'tab\there']) {
      await expectError(await postShort({ story: STORY }, { 'idempotency-key': key }), 400, 'invalid_idempotency_key');
    }
  });
});

describe('POST /v1/shorts starts a short', () => {
  it('202 with id, status, links and a Location header', async () => {
    const res = await postShort({ story: STORY, sceneCount: 2, aspect: '1:1' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string };
    expect(body).toEqual({
      id: expect.stringMatching(/^short-en-a-lighthouse-keeper-found-a-/),
      status: 'running',
      links: {
        self: `/v1/shorts/${body.id}`,
        video: `/v1/shorts/${body.id}/video`,
        cancel: `/v1/shorts/${body.id}/cancel`,
        webUi: `${config.temporal.uiUrl}/namespaces/default/workflows/${body.id}`,
      },
    });
    expect(res.headers.get('location')).toBe(`/v1/shorts/${body.id}`);
    const description = await client.workflow.getHandle(body.id).describe();
    expect(description).toMatchObject({ taskQueue, status: { name: 'RUNNING' } });
  });

  it('a retried POST with the same Idempotency-Key and body returns the same short and starts no second run', async () => {
    const key = `retry-${randomUUID()}`;
    const request = { story: STORY, sceneCount: 2, aspect: '1:1' };
    const first = await postShort(request, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const { runId } = await client.workflow.getHandle(id).describe();

    // The same request again, and once more spelled differently (defaults written out, keys reordered).
    const retries = [request, { aspect: '1:1', fps: 30, sceneCount: 2, story: `  ${STORY}` }];
    for (const retry of retries) {
      const res = await postShort(retry, { 'idempotency-key': key });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { id: string }).id).toBe(id);
      expect(res.headers.get('location')).toBe(`/v1/shorts/${id}`);
    }
    const after = await client.workflow.getHandle(id).describe();
    expect(after.runId).toBe(runId);
    expect(after.status.name).toBe('RUNNING');
  });

  it('422 idempotency_conflict when the same key comes with a different body', async () => {
    const key = `conflict-${randomUUID()}`;
    const first = await postShort({ story: STORY, sceneCount: 2 }, { 'idempotency-key': key });
    const { id } = (await first.json()) as { id: string };
    const { runId } = await client.workflow.getHandle(id).describe();

    const body = await expectError(
      await postShort({ story: STORY, sceneCount: 3 }, { 'idempotency-key': key }),
      422,
      'idempotency_conflict',
    );
    expect(body.error.message).toMatch(/Idempotency-Key/);
    expect((await client.workflow.getHandle(id).describe()).runId).toBe(runId);
  });
});

describe('unknown shorts, routes and methods', () => {
  it.each([
    ['GET', '/v1/shorts/short-en-nobody-made-this-x1y2z3'],
    ['GET', '/v1/shorts/short-en-nobody-made-this-x1y2z3/video'],
    ['HEAD', '/v1/shorts/short-en-nobody-made-this-x1y2z3/video'],
    ['POST', '/v1/shorts/short-en-nobody-made-this-x1y2z3/cancel'],
    ['GET', '/v1/shorts/not-a-short-id'],
  ])('%s %s → 404 not_found', async (method, path) => {
    const res = await app.request(path, { method });
    if (method === 'HEAD') expect(res.status).toBe(404);
    else await expectError(res, 404, 'not_found');
  });

  it('404 JSON for an unknown route', async () => {
    const body = await expectError(await app.request('/v2/anything'), 404, 'not_found');
    expect(body.error.message).toContain('/v2/anything');
  });

  it.each([
    ['GET', '/v1/shorts', 'POST'],
    ['DELETE', '/v1/shorts/short-x', 'GET, HEAD'],
    ['PUT', '/v1/shorts/short-x/video', 'GET, HEAD'],
    ['GET', '/v1/shorts/short-x/cancel', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('405 JSON for %s %s, with Allow: %s', async (method, path, allow) => {
    const res = await app.request(path, { method });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
  });
});

describe('errors at the edge', () => {
  it('500 internal with a generic message; the detail goes to stderr only', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const broken = new Client({ connection: client.connection, dataConverter: testDataConverter });
      vi.spyOn(broken.workflow, 'getHandle').mockImplementation(() => {
        throw new Error('secret detail: token=abc123 at /srv/app/internal.ts');
      });
      const brokenApp = createApp({ client: broken, config, storage: new LocalStorage(config.dataDir), taskQueue });
      const res = await brokenApp.request('/v1/shorts/short-anything');
      const body = await expectError(res, 500, 'internal');
      expect(JSON.stringify(body)).not.toContain('secret');
      expect(log).toHaveBeenCalledWith(expect.stringContaining('GET /v1/shorts/short-anything'), expect.any(Error));
    } finally {
      log.mockRestore();
    }
  });
});

describe('when Temporal is down', () => {
  let down: Client;
  let downApp: ReturnType<typeof createApp>;

  beforeAll(() => {
    // Nothing listens on port 1: every call fails to connect.
    down = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), dataConverter: testDataConverter });
    downApp = createApp({
      client: down,
      config,
      storage: new LocalStorage(config.dataDir),
      healthDeadlineMs: 500,
      temporalDeadlineMs: 1000,
    });
  });
  // Requests that answered 503 at the deadline may still be retrying on this connection.
  afterAll(async () => {
    await drainLateTemporalWork(down);
    await down.connection.close();
  });

  it('GET /healthz → 503 degraded with temporal_unavailable', async () => {
    const res = await downApp.request('/healthz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; temporal: string; error: ErrorJson['error'] };
    expect(body).toMatchObject({ status: 'degraded', temporal: 'down', error: { code: 'temporal_unavailable' } });
    expect(body.error.message).toContain('reelflow dev');
  });

  it.each([
    ['GET', '/v1/shorts/short-any'],
    ['POST', '/v1/shorts'],
  ])('%s %s → 503 temporal_unavailable with advice', async (method, path) => {
    const res = await downApp.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify({ story: STORY }) : undefined,
    });
    const body = await expectError(res, 503, 'temporal_unavailable');
    expect(body.error.message).toContain('`reelflow dev`');
  });

  it('GET /healthz → 200 when Temporal answers', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', temporal: 'up' });
  });
});

describe('serveApi', () => {
  it('serves over HTTP (chunked bodies capped too) and stops on abort', async () => {
    const controller = new AbortController();
    const small = parseConfig({
      ...process.env,
      DATA_DIR: config.dataDir,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      API_MAX_BODY_BYTES: '1024',
    });
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const serving = serveApi(small, { client, signal: controller.signal, onListening: listening });
    try {
      const base = await url;
      expect(log).toHaveBeenCalledWith(`reelflow api: listening on ${base}`);
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', temporal: 'up' });

      const parts = ['{"story":"', 'y'.repeat(600), 'y'.repeat(600), '"}'];
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = parts.shift();
          if (next) c.enqueue(new TextEncoder().encode(next));
          else c.close();
        },
      });
      const res = await fetch(`${base}/v1/shorts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      });
      await expectError(res, 413, 'payload_too_large');
    } finally {
      controller.abort();
      await serving;
      log.mockRestore();
    }
  });
});
