import { Client, type WorkflowClientInterceptor, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { serveApi } from '../src/api/server.js';
import { type Config, parseConfig } from '../src/config/index.js';
import { idForIdempotencyKey } from '../src/runs/ids.js';
import { LocalStorage } from '../src/storage/index.js';
import { decodePayload } from '../src/temporal/dataConverter.js';
import { RunKindAttribute, StageAttribute } from '../src/temporal/searchAttributes.js';
import { expectError, postJson, terminateAll } from './support/api.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, testDataConverter } from './support/temporal.js';

/**
 * Edges of the API found by trying bad input and faults; each test is named after the attack or
 * the fault. Runs are made by real workers; queries are counted by a client interceptor, so "no
 * query" is an assertion on accounting, not on time.
 */
const STORY = 'A small fox woke up in the forest. It ran to the river.';

let client: Client;
let counted: Client;
let workers: RunningWorkers;
let config: Config;
let app: ReturnType<typeof createApp>;
const queries: string[] = [];
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  const countQueries: WorkflowClientInterceptor = {
    async query(input, next) {
      queries.push(input.queryType);
      return next(input);
    },
  };
  counted = new Client({
    connection: client.connection,
    interceptors: { workflow: [countQueries] },
    dataConverter: testDataConverter,
  });
  workers = await startTestWorkers();
  config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir });
  app = createApp({
    client: counted,
    config,
    storage: new LocalStorage(workers.dataDir),
    taskQueue: workers.taskQueue,
  });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await client?.connection.close();
});

function post(route: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(app, route, body, headers, started);
}

async function expectNothingStarted(kind: string, idempotencyKey: string): Promise<void> {
  const handle = client.workflow.getHandle(idForIdempotencyKey(kind, idempotencyKey));
  await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The input the workflow was started with, from its history's first event. */
async function startedInput(id: string): Promise<Record<string, unknown>> {
  const history = await client.workflow.getHandle(id).fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return decodePayload(client.options.loadedDataConverter, payload);
}

describe('bad input gets a 400 and starts nothing', () => {
  it.each([
    ['zero-width spaces', '\u200b\u200b\u200b'],
    ['a byte-order mark and a word joiner', '\ufeff\u2060'],
    ['control characters only', '\u0000\u0007\u001b'],
  ])('a story of only %s', async (_name, story) => {
    const key = randomUUID();
    const body = await expectError(
      await post('/v1/shorts', { story }, { 'idempotency-key': key }),
      400,
      'invalid_request',
    );
    expect(body.error.fields).toEqual([
      { path: 'story', message: expect.stringMatching(/no visible characters|empty/) },
    ]);
    await expectNothingStarted('short', key);
  });

  it.each([
    ['__proto__', '{"story":"A fox.","modelInput":{"__proto__":{"polluted":true}}}'],
    ['constructor', '{"story":"A fox.","modelInput":{"constructor":{"prototype":{"polluted":true}}}}'],
    ['an object value', '{"story":"A fox.","modelInput":{"steps":{"$gt":1}}}'],
    ['a list value', '{"story":"A fox.","modelInput":{"steps":[1,2]}}'],
  ])('modelInput with %s', async (_name, json) => {
    const key = randomUUID();
    const body = await expectError(await post('/v1/shorts', json, { 'idempotency-key': key }), 400, 'invalid_request');
    expect(body.error.fields![0]!.path).toMatch(/^modelInput\./);
    await expectNothingStarted('short', key);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a batch task whose modelInput carries __proto__', async () => {
    const key = randomUUID();
    const json = '{"tasks":[{"prompt":"A red car"}],"modelInput":{"__proto__":{"x":1}}}';
    await expectError(await post('/v1/batches', json, { 'idempotency-key': key }), 400, 'invalid_request');
    await expectNothingStarted('batch', key);
  });

  it('a batch prompt of only invisible characters', async () => {
    const body = await expectError(
      await post('/v1/batches', { tasks: [{ prompt: '\u200b\u200c' }] }),
      400,
      'invalid_request',
    );
    expect(body.error.fields![0]!.path).toBe('tasks.0.prompt');
  });
});

describe('text is cleaned before anything uses it', () => {
  it('a story with a NUL byte is started without it, so nothing after the NUL is lost', async () => {
    const res = await post('/v1/shorts', {
      story: 'The fox woke up.\u0000 It ran to the river.\r\nIt slept.',
      sceneCount: 2,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const input = await startedInput(id);
    expect(input.story).toBe('The fox woke up. It ran to the river.\nIt slept.');
  });
});

describe('runs are served by their own kind only', () => {
  it('GET /v1/shorts/:id for a short- id that is an image batch is a 404', async () => {
    const id = `short-not-really-${randomUUID()}`;
    await client.workflow.start('imageBatch', { taskQueue: `nobody-${randomUUID()}`, workflowId: id, args: [{}] });
    started.add(id);
    await expectError(await app.request(`/v1/shorts/${id}`), 404, 'not_found');
    await expectError(await app.request(`/v1/shorts/${id}/video`), 404, 'not_found');
  });
});

describe('a finished run', () => {
  let id: string;

  it('carries its kind, provider and stage as search attributes, filterable with a query', async () => {
    const res = await post('/v1/shorts', { story: STORY, sceneCount: 2, aspect: '1:1', fps: 12, captions: false });
    ({ id } = (await res.json()) as { id: string });
    await client.workflow.getHandle(id).result();
    const description = await client.workflow.getHandle(id).describe();
    expect(description.typedSearchAttributes.get(RunKindAttribute)).toBe('short');
    expect(description.typedSearchAttributes.get(StageAttribute)).toBe('completed');
    const query = `ReelflowKind = 'short' AND ReelflowStage = 'completed' AND ReelflowProvider = 'offline' AND ReelflowLanguage = 'en' AND WorkflowId = '${id}'`;
    await vi.waitFor(async () => expect((await client.workflow.count(query)).count).toBe(1), { timeout: 10_000 });
  });

  it('is never queried: status, video and cancel answer from its history alone', async () => {
    queries.length = 0;
    const status = await app.request(`/v1/shorts/${id}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      status: 'completed',
      progress: { stage: 'completed', percent: 100 },
      // The whole plan is readable: what each scene says and shows.
      result: {
        plan: {
          planner: 'offline-splitter',
          scenes: [
            {
              narration: 'A small fox woke up in the forest.',
              imagePrompt: expect.any(String),
              mood: expect.any(String),
            },
            { narration: 'It ran to the river.' },
          ],
        },
        soundtrack: { integratedLufs: expect.any(Number), music: { source: 'none' } },
      },
    });
    expect((await app.request(`/v1/shorts/${id}/video`, { method: 'HEAD' })).status).toBe(200);
    await expectError(await app.request(`/v1/shorts/${id}/cancel`, { method: 'POST' }), 409, 'already_finished');
    expect(queries).toEqual([]);
  });
});

describe('faults at the edge', () => {
  it('while Temporal hangs, /v1 requests still answer 503 when the deadline passes', async () => {
    // A client whose calls never settle and ignore their deadline: only the API's own timer ends them.
    const hanging = new Client({ connection: client.connection, dataConverter: testDataConverter });
    vi.spyOn(hanging.workflow, 'getHandle').mockImplementation(() => {
      return { describe: () => new Promise(() => undefined) } as unknown as ReturnType<
        typeof hanging.workflow.getHandle
      >;
    });
    const hangingApp = createApp({
      client: hanging,
      config,
      storage: new LocalStorage(workers.dataDir),
      temporalDeadlineMs: 300,
    });
    for (const path of [
      '/v1/shorts/short-any-abc123',
      '/v1/batches/batch-any-abc123',
      '/v1/shorts/short-any-abc123/video',
    ]) {
      const body = await expectError(await hangingApp.request(path), 503, 'temporal_unavailable');
      expect(body.error.message).toContain('reelflow dev');
    }
  });

  it('a client that aborts its upload is logged as one line, not as a 500 with a stack', async () => {
    const controller = new AbortController();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const serving = serveApi(
      { ...config, api: { ...config.api, host: '127.0.0.1', port: 0 } },
      { client, signal: controller.signal, onListening: listening, storage: new LocalStorage(workers.dataDir) },
    );
    try {
      const { port } = new URL(await url);
      const key = randomUUID();
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /v1/shorts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: ${key}\r\nContent-Length: 5000\r\n\r\n{"story":"A fox`,
          );
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on('close', () => resolve());
      });
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1));
      expect(warn.mock.calls[0]![0]).toMatch(/POST \/v1\/shorts: the client closed the connection during the upload/);
      expect(error.mock.calls.filter(([line]) => !String(line).startsWith('reelflow api: listening'))).toEqual([]);
      await expectNothingStarted('short', key);
    } finally {
      controller.abort();
      await serving;
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
