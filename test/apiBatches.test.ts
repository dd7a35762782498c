import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { idForIdempotencyKey } from '../src/runs/ids.js';
import { type Config, parseConfig } from '../src/config/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, postJson, terminateAll } from './support/api.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, testDataConverter } from './support/temporal.js';

/**
 * Image batches through the HTTP API, on real workers and the Replicate emulator. A second pool
 * whose predictions take a minute keeps a batch running for as long as the cancel test needs.
 */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let client: Client;
let pool: PoolFixture;
let slowPool: PoolFixture;
let workers: RunningWorkers;
let slowWorkers: RunningWorkers;
let config: Config;
let app: ReturnType<typeof createApp>;
let slowApp: ReturnType<typeof createApp>;
let keylessApp: ReturnType<typeof createApp>;
const started = new Set<string>();

function configFor(dataDir: string, replicate: Config['replicate']): Config {
  return { ...parseConfig({ ...process.env, DATA_DIR: dataDir }), replicate };
}

beforeAll(async () => {
  client = await connectTestClient();
  [pool, slowPool] = await Promise.all([
    startPoolFixture(2, 2),
    startPoolFixture(1, 2, { latencySeconds: 60, jitter: 0 }),
  ]);
  workers = await startTestWorkers({ replicate: pool.replicate });
  slowWorkers = await startTestWorkers({ replicate: slowPool.replicate });
  config = configFor(workers.dataDir, pool.replicate);
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
  slowApp = createApp({
    client,
    config: configFor(slowWorkers.dataDir, slowPool.replicate),
    storage: new LocalStorage(slowWorkers.dataDir),
    taskQueue: slowWorkers.taskQueue,
  });
  const keyless = configFor(workers.dataDir, { ...pool.replicate, keys: [], servedKeys: [] });
  keylessApp = createApp({
    client,
    config: keyless,
    storage: new LocalStorage(workers.dataDir),
    taskQueue: workers.taskQueue,
  });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await slowWorkers?.stop();
  await pool?.emulator.close();
  await slowPool?.emulator.close();
  await client?.connection.close();
});

type App = ReturnType<typeof createApp>;

function postBatch(body: unknown, headers: Record<string, string> = {}, on: App = app): Promise<Response> {
  return postJson(on, '/v1/batches', body, headers, started);
}

/** A rejected request must not start anything: its Idempotency-Key maps to no workflow. */
async function expectNoBatchFor(idempotencyKey: string): Promise<void> {
  await expect(
    client.workflow.getHandle(idForIdempotencyKey('batch', idempotencyKey)).describe(),
  ).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

interface GeneratedFileJson {
  url: string;
  filename: string;
}

interface StatusJson {
  id: string;
  status: string;
  progress?: { total: number; succeeded: number; failed: number; running: number };
  result?: {
    summary: string;
    successful_results: {
      task_index: number;
      prompt: string;
      output_filename: string;
      generated_files: GeneratedFileJson[];
      cost_usd?: number;
    }[];
    failed_results: unknown[];
    cost?: { usd: number; predictions: number; unpriced: number };
  };
  links: { self: string; cancel: string; webUi: string };
}

async function getStatus(id: string, on: App = app): Promise<StatusJson> {
  const res = await on.request(`/v1/batches/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatusJson;
}

/** Polls until the batch has closed; the suite's test timeout bounds it, nothing here measures time. */
async function untilClosed(id: string, on: App = app): Promise<StatusJson> {
  for (;;) {
    const status = await getStatus(id, on);
    if (status.status !== 'running') return status;
    await sleep(150);
  }
}

describe('POST /v1/batches rejects bad requests and starts nothing', () => {
  it('400 invalid_json for a body that is not JSON', async () => {
    const key = randomUUID();
    const body = await expectError(await postBatch('{"tasks": [', { 'idempotency-key': key }), 400, 'invalid_json');
    expect(body.error.message).toMatch(/not valid JSON/);
    await expectNoBatchFor(key);
  });

  it('400 invalid_request for an empty or missing task list', async () => {
    const key = randomUUID();
    const empty = await expectError(await postBatch({ tasks: [] }, { 'idempotency-key': key }), 400, 'invalid_request');
    expect(empty.error.fields).toEqual([{ path: 'tasks', message: 'tasks must hold at least one task' }]);
    const missing = await expectError(await postBatch({}, { 'idempotency-key': key }), 400, 'invalid_request');
    expect(missing.error.fields!.map((f) => f.path)).toEqual(['tasks']);
    await expectNoBatchFor(key);
  });

  it('400 invalid_request for 1001 tasks', async () => {
    const key = randomUUID();
    const tasks = Array.from({ length: 1001 }, (_, i) => ({ prompt: `p${i}` }));
    const body = await expectError(await postBatch({ tasks }, { 'idempotency-key': key }), 400, 'invalid_request');
    expect(body.error.fields).toEqual([{ path: 'tasks', message: 'tasks must hold at most 1000 tasks' }]);
    await expectNoBatchFor(key);
  });

  it('400 invalid_request naming a bad model, a bad task and an unknown field', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postBatch(
        {
          tasks: [
            { prompt: 'ok' },
            { prompt: '   ' },
            { prompt: 'x'.repeat(2001) },
            { prompt: 'y', output_filename: 'n'.repeat(201) },
            { prompt: 'z', size: 3 },
          ],
          model: 'not a model',
          modelInput: { steps: { nested: true } },
          download: 'yes',
        },
        { 'idempotency-key': key },
      ),
      400,
      'invalid_request',
    );
    expect(body.error.fields!.map((f) => f.path).sort()).toEqual([
      'download',
      'model',
      'modelInput.steps',
      'tasks.1.prompt',
      'tasks.2.prompt',
      'tasks.3.output_filename',
      'tasks.4.size',
    ]);
    expect(body.error.fields!.find((f) => f.path === 'model')!.message).toMatch(/owner\/name/);
    await expectNoBatchFor(key);
  });

  it('415 for a body that is not declared as JSON', async () => {
    const res = await app.request('/v1/batches', { method: 'POST', body: '{"tasks":[{"prompt":"a"}]}' });
    await expectError(res, 415, 'unsupported_media_type');
  });

  it('422 provider_unavailable when this deployment has no Replicate keys', async () => {
    const key = randomUUID();
    const body = await expectError(
      await postBatch({ tasks: [{ prompt: 'A red car' }] }, { 'idempotency-key': key }, keylessApp),
      422,
      'provider_unavailable',
    );
    expect(body.error.message).toMatch(/REPLICATE_API_TOKEN/);
    await expectNoBatchFor(key);
  });
});

describe('a batch of images end to end', () => {
  let id: string;
  let status: StatusJson;

  beforeAll(async () => {
    // Files where a path traversal out of the batch's folder would land.
    await mkdir(path.join(workers.dataDir, 'batches'), { recursive: true });
    await writeFile(path.join(workers.dataDir, 'batches', 'plan.json'), '{"secret":true}');
    await writeFile(path.join(workers.dataDir, 'plan.json'), '{"secret":true}');
  });

  it('202 with id, status and links; then completes with the batch tool’s result shape and download links', async () => {
    const res = await postBatch({
      tasks: [
        { prompt: 'A red car', output_filename: 'red_car.jpg' },
        { prompt: 'A blue house', output_filename: 'blue_house' },
        { prompt: 'A green tree' },
        { prompt: 'A yellow boat', output_filename: '../../boat.png' },
      ],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; status: string; links: StatusJson['links'] };
    expect(body.id).toMatch(/^batch-4tasks-[a-z0-9]{6}$/);
    expect(body.status).toBe('running');
    expect(body.links).toEqual({
      self: `/v1/batches/${body.id}`,
      cancel: `/v1/batches/${body.id}/cancel`,
      webUi: expect.stringContaining(`/workflows/${body.id}`) as unknown as string,
    });
    expect(res.headers.get('location')).toBe(body.links.self);
    id = body.id;

    const description = await client.workflow.getHandle(id).describe();
    expect(description.type).toBe('imageBatch');
    expect(await description.staticSummary()).toBe('Image batch · 4 tasks · flux-schnell');

    status = await untilClosed(id);
    expect(status.status).toBe('completed');
    expect(status.progress).toEqual({ total: 4, succeeded: 4, failed: 0, running: 0 });
    expect(status.result!.summary).toBe('4 successful, 0 failed');
    expect(status.result!.failed_results).toEqual([]);
    expect(status.result!.successful_results).toEqual([
      {
        task_index: 0,
        prompt: 'A red car',
        output_filename: 'red_car.jpg',
        generated_files: [{ url: `/v1/batches/${id}/files/0/red_car.png`, filename: 'red_car.png' }],
        cost_usd: 0.003,
      },
      {
        task_index: 1,
        prompt: 'A blue house',
        output_filename: 'blue_house',
        generated_files: [{ url: `/v1/batches/${id}/files/1/blue_house.png`, filename: 'blue_house.png' }],
        cost_usd: 0.003,
      },
      {
        task_index: 2,
        prompt: 'A green tree',
        output_filename: 'image',
        generated_files: [{ url: `/v1/batches/${id}/files/2/image.png`, filename: 'image.png' }],
        cost_usd: 0.003,
      },
      {
        task_index: 3,
        prompt: 'A yellow boat',
        output_filename: '../../boat.png',
        generated_files: [{ url: `/v1/batches/${id}/files/3/boat.png`, filename: 'boat.png' }],
        cost_usd: 0.003,
      },
    ]);
    // Four flux-schnell images at the catalog's $0.003 each.
    expect(status.result!.cost).toEqual({ usd: 0.012, predictions: 4, unpriced: 0 });
    // No storage keys or paths leave the API.
    const text = JSON.stringify(status);
    expect(text).not.toContain(workers.dataDir);
    expect(text).not.toContain('"ref"');
    expect(text).not.toContain(`batches/${id}/0`);
  });

  it('serves a stored file as a PNG, and HEAD gives the same headers', async () => {
    const link = status.result!.successful_results[0]!.generated_files[0]!.url;
    const res = await app.request(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe('inline; filename="red_car.png"');

    const head = await app.request(link, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('content-type')).toBe('image/png');
  });

  it('404 for any name the batch did not produce: traversal, wrong task, bad task index', async () => {
    for (const suffix of [
      '0/..%2F..%2Fplan.json',
      '0/..%2F..%2F..%2Fplan.json',
      '0/%2E%2E%2F%2E%2E%2Fplan.json',
      '1/red_car.png',
      '0/red_car.jpg',
      '9/image.png',
      '00/red_car.png',
      '-1/red_car.png',
      'x/red_car.png',
    ]) {
      const res = await app.request(`/v1/batches/${id}/files/${suffix}`);
      const body = await expectError(res, 404, 'not_found');
      expect(body.error.message).not.toContain('secret');
    }
    // A dot segment in the URL is resolved before routing and lands on no batch route at all.
    await expectError(await app.request(`/v1/batches/${id}/files/0/../../plan.json`), 404, 'not_found');
  });

  it('405 for another method on the file route', async () => {
    const res = await app.request(`/v1/batches/${id}/files/0/red_car.png`, { method: 'DELETE' });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('lists a task the model rejects in failed_results while the others succeed', async () => {
    pool.emulator.setFaults({ modelErrorInputIncludes: 'CURSED' });
    try {
      const res = await postBatch({ tasks: [{ prompt: 'A calm lake' }, { prompt: 'A CURSED painting' }] });
      expect(res.status).toBe(202);
      const done = await untilClosed(((await res.json()) as { id: string }).id);
      expect(done.status).toBe('completed');
      expect(done.progress).toEqual({ total: 2, succeeded: 1, failed: 1, running: 0 });
      expect(done.result!.summary).toBe('1 successful, 1 failed');
      expect(done.result!.successful_results.map((r) => r.task_index)).toEqual([0]);
      expect(done.result!.failed_results).toEqual([
        {
          task_index: 1,
          prompt: 'A CURSED painting',
          error: { type: 'PredictionFailed', message: expect.stringContaining('ValueError') as unknown as string },
        },
      ]);
    } finally {
      pool.emulator.setFaults({}, 'replace');
    }
  });

  it('409 already_finished when cancelling a completed batch', async () => {
    const res = await app.request(`/v1/batches/${id}/cancel`, { method: 'POST' });
    await expectError(res, 409, 'already_finished');
  });

  it("download: false keeps Replicate's URLs", async () => {
    const res = await postBatch({ tasks: [{ prompt: 'A red car', output_filename: 'red_car.jpg' }], download: false });
    expect(res.status).toBe(202);
    const { id: urlBatch } = (await res.json()) as { id: string };
    const done = await untilClosed(urlBatch);
    expect(done.status).toBe('completed');
    const [file] = done.result!.successful_results[0]!.generated_files;
    expect(file!.filename).toBe('red_car.png');
    expect(file!.url.startsWith(`${pool.emulator.origin}/files/`)).toBe(true);
    // Nothing stored, so nothing to download through the API.
    await expectError(await app.request(`/v1/batches/${urlBatch}/files/0/red_car.png`), 404, 'not_found');
  });
});

describe('idempotency', () => {
  it('a retried POST with the same Idempotency-Key and body returns the same batch; another body is a conflict', async () => {
    const key = randomUUID();
    const request = { tasks: [{ prompt: 'A lighthouse', output_filename: 'lighthouse' }] };
    const first = await postBatch(request, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    expect(id).toBe(idForIdempotencyKey('batch', key));
    expect(id).toMatch(/^batch-idem-[0-9a-f]{24}$/);
    const { runId } = await client.workflow.getHandle(id).describe();

    // Defaults filled in (model, download) make the same request.
    const retry = await postBatch(
      { ...request, download: true, model: config.replicate.defaultModel },
      { 'idempotency-key': key },
    );
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { id: string }).id).toBe(id);
    expect((await client.workflow.getHandle(id).describe()).runId).toBe(runId);

    const conflict = await postBatch({ tasks: [{ prompt: 'Another lighthouse' }] }, { 'idempotency-key': key });
    await expectError(conflict, 422, 'idempotency_conflict');

    // Still the same batch once it has finished.
    expect((await untilClosed(id)).status).toBe('completed');
    const late = await postBatch(request, { 'idempotency-key': key });
    expect(late.status).toBe(202);
    expect(await late.json()).toMatchObject({ id, status: 'completed' });
    expect((await client.workflow.getHandle(id).describe()).runId).toBe(runId);
  });

  it('400 invalid_idempotency_key for an overlong key', async () => {
    await expectError(
      await postBatch({ tasks: [{ prompt: 'a' }] }, { 'idempotency-key': 'k'.repeat(201) }),
      400,
      'invalid_idempotency_key',
    );
  });
});

describe('unknown batches', () => {
  it('404 for an unknown batch id, on every route', async () => {
    const id = `batch-unknown-${randomUUID()}`;
    for (const [method, url] of [
      ['GET', `/v1/batches/${id}`],
      ['POST', `/v1/batches/${id}/cancel`],
      ['GET', `/v1/batches/${id}/files/0/image.png`],
    ] as const) {
      const body = await expectError(await app.request(url, { method }), 404, 'not_found');
      expect(body.error.message).toContain(id);
    }
  });

  it('404 for an id that does not start with batch-, without asking Temporal', async () => {
    // This client's server does not exist: any Temporal call would end in 503.
    const nowhere = new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1' }),
      dataConverter: testDataConverter,
    });
    const offline = createApp({
      client: nowhere,
      config,
      storage: new LocalStorage(workers.dataDir),
      temporalDeadlineMs: 500,
    });
    for (const id of ['short-en-a-fox-abc123', 'imageBatch-1', 'batch-', 'batch-a%2Fb']) {
      await expectError(await offline.request(`/v1/batches/${id}`), 404, 'not_found');
      await expectError(await offline.request(`/v1/batches/${id}/files/0/image.png`), 404, 'not_found');
    }
    await expectError(await offline.request('/v1/batches/batch-x-abc123'), 503, 'temporal_unavailable');
  });

  it('404 for a batch- id that belongs to another kind of workflow', async () => {
    const id = `batch-not-really-${randomUUID()}`;
    await client.workflow.start('shortVideo', { taskQueue: `nobody-${randomUUID()}`, workflowId: id, args: [{}] });
    started.add(id);
    await expectError(await app.request(`/v1/batches/${id}`), 404, 'not_found');
  });
});

describe('cancel', () => {
  it('cancels a running batch: 202 cancelling, then status cancelled and no files', async () => {
    const res = await postBatch({ tasks: [{ prompt: 'A slow sunrise' }, { prompt: 'A slow sunset' }] }, {}, slowApp);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    const cancel = await slowApp.request(`/v1/batches/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ id, status: 'cancelling' });

    const closed = await untilClosed(id, slowApp);
    expect(closed.status).toBe('cancelled');
    expect(closed.result).toBeUndefined();
    await expectError(await slowApp.request(`/v1/batches/${id}/files/0/image.png`), 409, 'cancelled');
    await expectError(await slowApp.request(`/v1/batches/${id}/cancel`, { method: 'POST' }), 409, 'already_finished');
  });
});
