import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { EncryptionCodec } from '../src/security/encryptionCodec.js';
import { LocalStorage } from '../src/storage/index.js';
import { shortVideo } from '../src/workflows/index.js';
import { getShortProgressQuery } from '../src/workflows/definitions.js';
import { expectError, terminateAll } from './support/api.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

/**
 * The codec endpoints as the Temporal Web UI and CLI call them (`app.request`, no server): a
 * bearer token, CORS for the UI's origin, Temporal's JSON payload shape, and decoding what a
 * real worker wrote.
 */
const TOKEN = `codec-${randomBytes(24).toString('base64url')}`;
const UI = 'http://localhost:8233';
const AUTH = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: UI };

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

let client: Client;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  workers = await startTestWorkers();
  const config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir, CODEC_AUTH_TOKEN: TOKEN });
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await client?.connection.close();
});

function codec(path: string, body: unknown, headers: Record<string, string> = AUTH): Promise<Response> {
  return Promise.resolve(
    app.request(`/codec/${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const text = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');
const plain = (value: unknown): JsonPayload => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', { 'content-type': 'application/json', origin: UI }],
    ['a wrong token', { ...AUTH, authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ['the token as Basic credentials', { ...AUTH, authorization: `Basic ${TOKEN}` }],
  ])('answers 401 with %s, readable by the Web UI', async (_name, headers) => {
    for (const path of ['encode', 'decode']) {
      const res = await codec(path, { payloads: [plain('x')] }, headers);
      await expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="reelflow codec"');
      expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    }
  });

  it('is off without CODEC_AUTH_TOKEN', async () => {
    const off = createApp({
      client,
      config: parseConfig({ ...process.env, DATA_DIR: workers.dataDir }),
      storage: new LocalStorage(workers.dataDir),
    });
    const res = await off.request('/codec/decode', { method: 'POST', headers: AUTH, body: '{"payloads":[]}' });
    const body = await expectError(res, 404, 'codec_disabled');
    expect(body.error.message).toContain('CODEC_AUTH_TOKEN');
  });
});

describe('CORS for the Web UI', () => {
  const preflight = (origin: string) =>
    app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });

  it('answers the preflight of an allowed origin without authentication', async () => {
    const res = await preflight(UI);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,X-Namespace');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives another origin nothing to work with', async () => {
    const res = await preflight('https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await codec('decode', { payloads: [] }, { ...AUTH, origin: 'https://evil.example' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('encode and decode', () => {
  it('decodes what the worker wrote: the plan of a short waiting for its approval', async () => {
    const story = `The otter Brindle${randomUUID().slice(0, 6)} floated on her back. She held a pebble all night.`;
    const handle = await client.workflow.start(shortVideo, {
      taskQueue: workers.taskQueue,
      workflowId: `short-codec-server-${randomUUID()}`,
      args: [{ story, sceneCount: 2, approval: { timeoutSeconds: 600 } } as never],
    });
    started.add(handle.workflowId);
    await vi.waitFor(async () => expect((await handle.query(getShortProgressQuery)).stage).toBe('awaiting-approval'), {
      timeout: 30_000,
      interval: 250,
    });
    const history = await handle.fetchHistory();
    const planned = history.events!.find((e) => e.activityTaskCompletedEventAttributes)!;
    const written = planned.activityTaskCompletedEventAttributes!.result!.payloads![0]!;
    expect(Buffer.from(written.data!).toString('utf8')).not.toContain('Brindle');

    const res = await codec('decode', { payloads: [toJson(written)] });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { payloads } = (await res.json()) as { payloads: JsonPayload[] };
    expect(payloads).toHaveLength(1);
    expect(text(payloads[0]!.metadata!.encoding)).toBe('json/plain');
    expect(text(payloads[0]!.data)).toContain(story.split('. ')[0]);
  });

  it('encodes with the current key, and decodes that back', async () => {
    const value = { note: 'typed into the Web UI' };
    const encoded = (await (await codec('encode', { payloads: [plain(value)] })).json()) as { payloads: JsonPayload[] };
    expect(text(encoded.payloads[0]!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(encoded.payloads[0]!.metadata!['encryption-key-id'])).toBe(process.env.PAYLOAD_KEYS!.split(':')[0]);
    const decoded = (await (await codec('decode', encoded)).json()) as { payloads: JsonPayload[] };
    expect(JSON.parse(text(decoded.payloads[0]!.data))).toEqual(value);
    // Plain payloads (from before encryption) come back as they are.
    const passed = (await (await codec('decode', { payloads: [plain(value)] })).json()) as { payloads: JsonPayload[] };
    expect(passed.payloads).toEqual([plain(value)]);
  });

  it('refuses tampered ciphertext and an unknown key with 422 and what went wrong', async () => {
    const encoded = (await (await codec('encode', { payloads: [plain('secret plan')] })).json()) as {
      payloads: JsonPayload[];
    };
    const bytes = Buffer.from(encoded.payloads[0]!.data!, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    const tampered = { payloads: [{ ...encoded.payloads[0], data: bytes.toString('base64') }] };
    await expectError(await codec('decode', tampered), 422, 'payload_undecryptable');

    const stranger = new EncryptionCodec({ keys: [{ id: 'retired-2023', key: randomBytes(32) }], encrypt: true });
    const [foreign] = await stranger.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') },
    ]);
    const unknown = await expectError(
      await codec('decode', { payloads: [toJson(foreign!)] }),
      422,
      'unknown_payload_key',
    );
    expect(unknown.error.message).toContain('"retired-2023", which is not configured');
  });

  it.each([
    ['invalid JSON', '{"payloads": [', 400, 'invalid_json'],
    ['no payloads', {}, 400, 'invalid_request'],
    ['data that is not base64', { payloads: [{ metadata: {}, data: 'not base64!' }] }, 400, 'invalid_request'],
    ['metadata that is not base64', { payloads: [{ metadata: { encoding: '%%' } }] }, 400, 'invalid_request'],
  ])('answers %s with %i %s', async (_name, body, status, code) => {
    await expectError(await codec('decode', body), status, code);
  });

  it('wants JSON and POST', async () => {
    await expectError(
      await codec('decode', '{"payloads":[]}', { ...AUTH, 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    const get = await app.request('/codec/decode', { headers: AUTH });
    await expectError(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
  });
});
