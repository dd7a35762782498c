/**
 * The API's three tiers on a real Temporal server against the Replicate emulator, asserted on the
 * emulator's per-token accounting: an admin key (missing, wrong, right) uses the server's pool; a
 * user's own token (in the body or a header) is checked with the account endpoint, refused masked
 * when bad, and used for that user's work alone, on a key worker of its own; open mode uses the
 * server's pool. The token never shows in a response, and raw history (without the codec) never
 * holds it in plain text.
 */
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, terminateAll } from './support/api.js';
import { poolConfig, testToken } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

const SERVER = testToken(61);
const USER = testToken(62);
const STRANGER = testToken(63);
const OTHER_USER = testToken(64);
const ADMIN_KEY = 'admin-key-for-tests-0123456789abcdef';

let client: Client;
let emulator: ReplicateEmulator;
let workers: RunningWorkers;
let locked: ReturnType<typeof createApp>;
let open: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  emulator = await startReplicateEmulator({
    latencySeconds: 0.2,
    jitter: 0,
    tokens: [SERVER, USER, OTHER_USER],
    concurrencyLimit: 4,
  });
  const replicate = poolConfig([SERVER], emulator.url, 2);
  workers = await startTestWorkers({ replicate });
  const base = { ...process.env, DATA_DIR: workers.dataDir, REPLICATE_BASE_URL: emulator.url };
  const storage = new LocalStorage(workers.dataDir);
  const keys = parseConfig({
    ...base,
    AUTH_MODE: 'keys',
    ADMIN_KEY_SHA256: createHash('sha256').update(ADMIN_KEY).digest('hex'),
  });
  locked = createApp({ client, config: { ...keys, replicate }, storage, taskQueue: workers.taskQueue });
  open = createApp({ client, config: { ...parseConfig(base), replicate }, storage, taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await emulator?.close();
  await client?.connection.close();
});

const tasks = (word: string) => ({
  tasks: [{ prompt: `a ${word} lighthouse ${Date.now()}` }, { prompt: `a ${word} harbour ${Date.now()}` }],
});

async function batch(app: typeof locked, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await app.request('/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.clone().text();
  for (const token of [USER, OTHER_USER, STRANGER, SERVER, ADMIN_KEY]) expect(text).not.toContain(token);
  if (res.status === 202) started.add(((await res.clone().json()) as { id: string }).id);
  return res;
}

const createdBy = (token: string) => emulator.stats(token)?.created ?? 0;

describe('three-tier auth', () => {
  it('AUTH_MODE=keys: no credentials and a wrong admin key are 401s that start nothing; the right key uses the server pool', async () => {
    const before = emulator.stats().totals.created;
    await expectError(await batch(locked, tasks('unasked')), 401, 'unauthorized');
    await expectError(await batch(locked, tasks('wrong'), { 'x-admin-key': 'not-the-key' }), 401, 'invalid_admin_key');
    await expectError(await locked.request('/v1/pool'), 401, 'unauthorized');
    expect(emulator.stats().totals.created).toBe(before);

    const serverBefore = createdBy(SERVER);
    const res = await batch(locked, tasks('admin'), { 'x-admin-key': ADMIN_KEY });
    expect(res.status).toBe(202);
    await client.workflow.getHandle(((await res.json()) as { id: string }).id).result();
    expect(createdBy(SERVER) - serverBefore).toBe(2);
    expect(createdBy(USER)).toBe(0);
  });

  it(
    "a user's own token is checked, refused masked when bad, and pays for that user's work alone",
    { timeout: 120_000 },
    async () => {
      const bad = await batch(locked, { ...tasks('stranger'), replicate_api_token: STRANGER });
      const body = await expectError(bad, 401, 'invalid_replicate_token');
      expect(body.error.message).toContain('r8_…');
      expect(createdBy(STRANGER)).toBe(0);

      const serverBefore = createdBy(SERVER);
      const res = await batch(locked, { ...tasks('own'), replicate_api_token: USER });
      expect(res.status).toBe(202);
      const id = ((await res.json()) as { id: string }).id;
      const result = (await client.workflow.getHandle(id).result()) as { successful_results: unknown[] };
      expect(result.successful_results).toHaveLength(2);
      expect(createdBy(USER)).toBe(2);
      expect(createdBy(SERVER)).toBe(serverBefore);

      // An image tool with the token in a header (multipart bodies have no JSON to carry it).
      const picture = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#446688' } })
        .png()
        .toBuffer();
      const form = new FormData();
      form.append('image', new Blob([picture], { type: 'image/png' }), 'p.png');
      const tool = await locked.request('/v1/images/upscale', {
        method: 'POST',
        headers: { 'x-replicate-token': USER, prefer: 'wait' },
        body: form,
      });
      expect(tool.status).toBe(200);
      started.add(((await tool.clone().json()) as { id: string }).id);
      expect(createdBy(USER)).toBe(3);
      expect(createdBy(SERVER)).toBe(serverBefore);

      // Raw history, read without the codec, never holds the token.
      const raw = await client.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: id },
      });
      const bytes = JSON.stringify(raw.history);
      expect(bytes).not.toContain(USER);
      expect(Buffer.from(bytes).includes(Buffer.from(USER))).toBe(false);

      // The pool shows the user's key masked, beside the server's.
      const pool = (await (await locked.request('/v1/pool', { headers: { 'x-admin-key': ADMIN_KEY } })).json()) as {
        userKeys: { key: string; completed: number }[];
      };
      expect(pool.userKeys.map((k) => k.key)).toContain(`r8_…${USER.slice(-4)}`);
      expect(JSON.stringify(pool)).not.toContain(USER);
    },
  );

  it("a user's runs are that user's alone: another user gets 404s, the admin sees them; equal Idempotency-Keys stay apart", async () => {
    const key = `shared-key-${Date.now()}`;
    const mine = await batch(locked, tasks('mine'), { 'x-replicate-token': USER, 'idempotency-key': key });
    expect(mine.status).toBe(202);
    const id = ((await mine.json()) as { id: string }).id;
    const as = (token: string) => ({ headers: { 'x-replicate-token': token } });

    await expectError(await locked.request(`/v1/batches/${id}`, as(OTHER_USER)), 404, 'not_found');
    await expectError(
      await locked.request(`/v1/batches/${id}/cancel`, { method: 'POST', ...as(OTHER_USER) }),
      404,
      'not_found',
    );
    expect((await locked.request(`/v1/batches/${id}`, as(USER))).status).toBe(200);
    expect((await locked.request(`/v1/batches/${id}`, { headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(200);

    // The other user's request under the same key is its own run, not a 422 and not the first user's.
    const theirs = await batch(locked, tasks('theirs'), { 'x-replicate-token': OTHER_USER, 'idempotency-key': key });
    expect(theirs.status).toBe(202);
    const theirId = ((await theirs.json()) as { id: string }).id;
    expect(theirId).not.toBe(id);
    await client.workflow.getHandle(id).result();
    await client.workflow.getHandle(theirId).result();
    // Still running when the other user asked to cancel it: it was not cancelled.
    expect(((await (await locked.request(`/v1/batches/${id}`, as(USER))).json()) as { status: string }).status).toBe(
      'completed',
    );
    expect(createdBy(OTHER_USER)).toBe(2);
  });

  it('open mode: no credentials use the server pool', async () => {
    const serverBefore = createdBy(SERVER);
    const res = await batch(open, tasks('open'));
    expect(res.status).toBe(202);
    await client.workflow.getHandle(((await res.json()) as { id: string }).id).result();
    expect(createdBy(SERVER) - serverBefore).toBe(2);
  });
});
