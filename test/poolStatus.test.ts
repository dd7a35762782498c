import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { type PoolKeyStatus, type PoolStatus, getPoolStatus } from '../src/client/pool.js';
import { type Config, parseConfig } from '../src/config/index.js';
import type { KeyStats } from '../src/replicate/keyStats.js';
import { LocalStorage } from '../src/storage/index.js';
import { type PoolFixture, startPoolFixture, testToken } from './support/replicate.js';
import {
  type RunningWorkers,
  connectTestClient,
  startTestWorkers,
  tempDataDir,
  testDataConverter,
} from './support/temporal.js';

/**
 * Pool status: configured keys merged with the stats files key workers publish, health rules, and
 * what leaves through `GET /v1/pool` (masked keys only). Liveness comes from the real dev server.
 */
const NOW = new Date('2030-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MIN = 60_000;
const TOKENS = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(testToken);

function configFor(tokens: number, dataDir: string, extra: NodeJS.ProcessEnv = {}): Config {
  const env: NodeJS.ProcessEnv = { DATA_DIR: dataDir, ...extra };
  TOKENS.slice(0, tokens).forEach((t, i) => (env[`REPLICATE_API_TOKEN_${i + 1}`] = t));
  return parseConfig(env);
}

async function writeStats(dataDir: string, stats: Partial<KeyStats> & { index: number }): Promise<void> {
  const file = path.join(dataDir, 'pool', `key-${stats.index}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const full: KeyStats = {
    key: `r8_…${TOKENS[stats.index - 1]!.slice(-4)}`,
    limit: 5,
    inFlight: 0,
    completed: 0,
    failed: 0,
    servedBy: '4242@test-host',
    updatedAt: ago(10_000),
    ...stats,
  };
  await writeFile(file, JSON.stringify(full));
}

function expectNoToken(text: string): void {
  for (const token of TOKENS) expect(text).not.toContain(token);
  // Nothing token-shaped at all: only the masked form `r8_…abcd` may appear.
  expect(text).not.toMatch(/r8_[A-Za-z0-9]{8,}/);
}

describe('getPoolStatus from config and stats files', () => {
  let dataDir: string;
  let status: PoolStatus;
  const row = (index: number): PoolKeyStatus => status.keys.find((k) => k.index === index)!;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    const config = configFor(9, dataDir, {
      REPLICATE_API_TOKEN_2_CONCURRENCY: '3',
      REPLICATE_BASE_URL: 'https://user:s3cret@replicate.example.com/v1?api_key=hidden',
    });
    // #1 working, fresh stats, and a request-level error a minute ago (says nothing about the key).
    await writeStats(dataDir, {
      index: 1,
      inFlight: 2,
      completed: 7,
      failed: 1,
      lastError: {
        type: 'ReplicateInvalidInput',
        message: 'Replicate rejected the input (422): bad width',
        at: ago(MIN),
      },
    });
    // #2 never served: no file. #3 invalid token 30 minutes ago; the message carries the full token.
    await writeStats(dataDir, {
      index: 3,
      completed: 1,
      failed: 2,
      lastError: {
        type: 'ReplicateAuthFailed',
        message: `Replicate rejected key #3 (401); sent Authorization: Bearer ${TOKENS[2]}`,
        at: ago(30 * MIN),
      },
    });
    // #4 out of credit two hours ago: no longer counts; served and idle.
    await writeStats(dataDir, {
      index: 4,
      completed: 3,
      failed: 1,
      lastError: { type: 'ReplicateOutOfCredit', message: 'no credit', at: ago(120 * MIN) },
    });
    // #5 throttled two minutes ago: degraded. #6 the same ten minutes ago: fine again.
    await writeStats(dataDir, {
      index: 5,
      inFlight: 1,
      lastError: { type: 'ReplicateRateLimited', message: '429', at: ago(2 * MIN) },
    });
    await writeStats(dataDir, {
      index: 6,
      inFlight: 1,
      lastError: { type: 'ReplicateRateLimited', message: '429', at: ago(10 * MIN) },
    });
    // #7 predictions in flight but no update for 3 minutes: the worker may be gone.
    await writeStats(dataDir, { index: 7, inFlight: 4, completed: 2, updatedAt: ago(3 * MIN) });
    // #8 a file written for a different token at the same index: not this key's numbers.
    await writeStats(dataDir, { index: 8, key: 'r8_…zzzz', inFlight: 1, completed: 99 });
    // #9 a torn or foreign file.
    await mkdir(path.join(dataDir, 'pool'), { recursive: true });
    await writeFile(path.join(dataDir, 'pool', 'key-9.json'), '{"index": 9, "key": ');

    status = await getPoolStatus(config, new LocalStorage(dataDir), { now: NOW });
  });

  it('lists every configured key in order, masked, with its limit', () => {
    expect(status.configured).toBe(true);
    expect(status.keys.map((k) => k.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const k of status.keys) expect(k.key).toBe(`r8_…${TOKENS[k.index - 1]!.slice(-4)}`);
    expect(row(2).limit).toBe(3);
    expectNoToken(JSON.stringify(status));
  });

  it('shows a key no worker has served as not-served with zero counts', () => {
    expect(row(2)).toEqual({
      index: 2,
      key: row(2).key,
      limit: 3,
      inFlight: 0,
      completed: 0,
      failed: 0,
      health: 'not-served',
    });
    expect(row(8)).toMatchObject({ health: 'not-served', inFlight: 0, completed: 0 });
    expect(row(8).servedBy).toBeUndefined();
    expect(row(9)).toMatchObject({ health: 'not-served', completed: 0 });
  });

  it('merges the stats file of a served key', () => {
    expect(row(1)).toMatchObject({
      limit: 5,
      inFlight: 2,
      completed: 7,
      failed: 1,
      servedBy: '4242@test-host',
      updatedAt: ago(10_000),
      lastError: { type: 'ReplicateInvalidInput', at: ago(MIN) },
    });
    // No Temporal client: liveness is not claimed either way.
    expect(row(1).polling).toBeUndefined();
    expect(status.temporal).toBe('not-checked');
  });

  it('applies the health rules', () => {
    expect(row(1).health).toBe('healthy'); // in flight; a request error is not the key's fault
    expect(row(3).health).toBe('failing'); // invalid token within the hour
    expect(row(4).health).toBe('idle'); // out of credit, but two hours ago
    expect(row(5).health).toBe('degraded'); // 429 within 5 minutes
    expect(row(6).health).toBe('healthy'); // 429 ten minutes ago
    expect(row(7).health).toBe('degraded'); // in flight, stats stale for 3 minutes
  });

  it('masks a token that reached a stored error message', () => {
    expect(row(3).lastError?.message).toContain(`Bearer ${row(3).key}`);
  });

  it('sums the rows into totals', () => {
    const sum = (f: 'limit' | 'inFlight' | 'completed' | 'failed') => status.keys.reduce((n, k) => n + k[f], 0);
    expect(status.totals).toEqual({
      limit: sum('limit'),
      inFlight: sum('inFlight'),
      completed: sum('completed'),
      failed: sum('failed'),
    });
    expect(status.totals).toEqual({ limit: 43, inFlight: 8, completed: 13, failed: 4 });
  });

  it('shows the base URL without credentials', () => {
    expect(status.baseUrl).toBe('https://replicate.example.com/v1');
  });

  it('reports an empty pool when no keys are configured', async () => {
    const empty = await getPoolStatus(parseConfig({ DATA_DIR: dataDir }), new LocalStorage(dataDir));
    expect(empty).toMatchObject({
      configured: false,
      keys: [],
      totals: { limit: 0, inFlight: 0, completed: 0, failed: 0 },
    });
  });
});

describe('getPoolStatus with Temporal', () => {
  let client: Client;
  let fixture: PoolFixture;
  let workers: RunningWorkers;

  beforeAll(async () => {
    client = await connectTestClient();
    // Real key workers for keys #1 and #2 of three; #3 is configured but served by nobody.
    fixture = await startPoolFixture(3, 2);
    workers = await startTestWorkers({ replicate: { ...fixture.replicate, servedKeys: [1, 2] } });
  });

  afterAll(async () => {
    await workers?.stop();
    await fixture?.emulator.close();
    await client?.connection.close();
  });

  it('marks the keys whose worker polls the Replicate queue', async () => {
    const config = { ...configFor(3, workers.dataDir), taskQueue: workers.taskQueue, replicate: fixture.replicate };
    const storage = new LocalStorage(workers.dataDir);
    // Pollers show up in describeTaskQueue once the workers have polled: wait for that.
    let status: PoolStatus | undefined;
    for (let i = 0; i < 40; i++) {
      status = await getPoolStatus(config, storage, { client });
      if (status.keys.filter((k) => k.polling).length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status!.temporal).toBe('up');
    expect(status!.keys.map((k) => [k.index, k.polling, k.health])).toEqual([
      [1, true, 'idle'],
      [2, true, 'idle'],
      [3, false, 'not-served'],
    ]);
    expect(status!.keys[0]).toMatchObject({ limit: 2, servedBy: expect.stringMatching(/^\d+@/) });
  });

  it('leaves polling out when Temporal does not answer, and answers anyway', async () => {
    const dataDir = await tempDataDir();
    await writeStats(dataDir, { index: 1, inFlight: 1, updatedAt: new Date().toISOString() });
    const dead = new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1' }),
      dataConverter: testDataConverter,
    });
    const started = Date.now();
    const status = await getPoolStatus(configFor(2, dataDir), new LocalStorage(dataDir), {
      client: dead,
      deadlineMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(status.temporal).toBe('down');
    expect(status.keys.map((k) => [k.polling, k.health])).toEqual([
      [undefined, 'healthy'],
      [undefined, 'not-served'],
    ]);
  });
});

describe('GET /v1/pool', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestClient();
  });

  afterAll(async () => {
    await client?.connection.close();
  });

  it('answers with the pool, masked keys and no full token anywhere', async () => {
    const dataDir = await tempDataDir();
    await writeStats(dataDir, {
      index: 2,
      inFlight: 1,
      completed: 4,
      updatedAt: new Date().toISOString(),
      lastError: { type: 'ReplicateAuthFailed', message: `bad token ${TOKENS[1]}`, at: new Date().toISOString() },
    });
    const config = configFor(3, dataDir);
    const app = createApp({
      client,
      config,
      storage: new LocalStorage(dataDir),
      taskQueue: `pool-api-${randomUUID()}`,
    });

    const res = await app.request('/v1/pool');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expectNoToken(text);
    const body = JSON.parse(text) as PoolStatus;
    expect(body).toMatchObject({ configured: true, baseUrl: 'https://api.replicate.com/v1', temporal: 'up' });
    expect(body.keys.map((k) => k.key)).toEqual(config.replicate.keys.map((k) => k.masked));
    expect(body.keys.map((k) => k.health)).toEqual(['not-served', 'failing', 'not-served']);
    expect(body.keys[1]).toMatchObject({ inFlight: 1, completed: 4, polling: false });
    expect(body.keys[1]!.lastError!.message).toBe(`bad token ${config.replicate.keys[1]!.masked}`);
    expect(body.totals).toEqual({ limit: 15, inFlight: 1, completed: 4, failed: 0 });
  });

  it('says configured false with an empty list when there are no keys', async () => {
    const dataDir = await tempDataDir();
    const app = createApp({ client, config: parseConfig({ DATA_DIR: dataDir }), storage: new LocalStorage(dataDir) });

    const res = await app.request('/v1/pool');
    expect(res.status).toBe(200);
    const body = (await res.json()) as PoolStatus;
    expect(body.configured).toBe(false);
    expect(body.keys).toEqual([]);
    expect(body.totals).toEqual({ limit: 0, inFlight: 0, completed: 0, failed: 0 });
  });

  it('allows only GET', async () => {
    const dataDir = await tempDataDir();
    const app = createApp({ client, config: configFor(1, dataDir), storage: new LocalStorage(dataDir) });

    const res = await app.request('/v1/pool', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
