/**
 * Replicate webhooks: signature checks and the waiter registry as units; the emulator's signed
 * deliveries and the worker's receiver over real HTTP; and whole batches on a real Temporal server,
 * pushed by webhooks, or completed by the fallback poll when every webhook is lost.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createHmac } from 'node:crypto';
import { Agent, type IncomingHttpHeaders, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Prediction } from 'replicate';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseReplicateConfig } from '../src/config/replicate.js';
import { type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { createReplicatePool } from '../src/replicate/client.js';
import { fallbackPollDelayMs, pollDelayMs } from '../src/replicate/prediction.js';
import { PredictionWaiters } from '../src/replicate/webhookWaiters.js';
import { type WebhookReceiver, startWebhookReceiver, verifyWebhook } from '../src/replicate/webhooks.js';
import { imageBatch } from '../src/workflows/index.js';
import { poolConfig, startPoolFixture, testToken, webhookEnv } from './support/replicate.js';
import { connectTestClient, startTestWorkers } from './support/temporal.js';

const SECRET = `whsec_${Buffer.from('a test signing secret, 32 bytes!').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('another secret, also 32 bytes!!!').toString('base64')}`;
const FLUX = 'black-forest-labs/flux-schnell';

/** Signs like the Standard Webhooks spec says, independently of the emulator's signer. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A delivery's signed headers, as Replicate sends them. */
function signedHeaders(body: string, secret = SECRET, at = Date.now()): Record<string, string> {
  const timestamp = Math.floor(at / 1000);
  return {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, 'msg_1', timestamp, body),
  };
}

const succeeded = (id: string) =>
  ({ id, status: 'succeeded', output: ['http://files/out-0.png'], error: null }) as unknown as Prediction;

/** Resolves with what `promise` settled to within `ms`, or 'pending'. */
const within = <T>(promise: Promise<T>, ms = 50) =>
  Promise.race([promise, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

describe('verifyWebhook', () => {
  const body = JSON.stringify({ id: 'p1', status: 'succeeded' });
  const webhook = new Webhook(SECRET);

  it('accepts a delivery signed with the secret', () => {
    expect(verifyWebhook(webhook, body, signedHeaders(body))).toEqual({ ok: true });
  });

  it('accepts any one valid entry of a space-separated signature list (secret rotation)', () => {
    const headers = signedHeaders(body);
    headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`;
    expect(verifyWebhook(webhook, body, headers).ok).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(verifyWebhook(webhook, body.replace('succeeded', 'failed'), signedHeaders(body))).toEqual({
      ok: false,
      reason: 'No matching signature found',
    });
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyWebhook(webhook, body, signedHeaders(body, OTHER_SECRET)).ok).toBe(false);
  });

  it('rejects timestamps more than 5 minutes old (replays) or ahead, even when correctly signed', () => {
    const now = Date.now();
    expect(verifyWebhook(webhook, body, signedHeaders(body, SECRET, now - 6 * 60_000))).toEqual({
      ok: false,
      reason: 'Message timestamp too old',
    });
    expect(verifyWebhook(webhook, body, signedHeaders(body, SECRET, now + 6 * 60_000)).ok).toBe(false);
    expect(verifyWebhook(webhook, body, signedHeaders(body, SECRET, now - 4 * 60_000)).ok).toBe(true);
  });

  it('rejects missing headers, other versions and malformed signatures without throwing', () => {
    const headers = signedHeaders(body);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    const changed = (name: string, value: string) => ({ ...headers, [name]: value });
    expect(verifyWebhook(webhook, body, without('webhook-signature')).ok).toBe(false);
    expect(verifyWebhook(webhook, body, without('webhook-id')).ok).toBe(false);
    expect(verifyWebhook(webhook, body, changed('webhook-timestamp', 'yesterday')).ok).toBe(false);
    const v2 = headers['webhook-signature']!.replace('v1,', 'v2,');
    expect(verifyWebhook(webhook, body, changed('webhook-signature', v2)).ok).toBe(false);
    expect(verifyWebhook(webhook, body, changed('webhook-signature', 'v1,short')).ok).toBe(false);
  });
});

describe('PredictionWaiters', () => {
  it('wakes the waiter of a prediction with its terminal webhook', async () => {
    const waiters = new PredictionWaiters();
    const wait = waiters.register('p1', 1);
    expect(await within(wait.arrived)).toBe('pending');
    expect(waiters.deliver(succeeded('p1'), 1)).toBe(1);
    expect(await wait.arrived).toMatchObject({ id: 'p1', status: 'succeeded' });
    wait.dispose();
    expect(waiters.size).toBe(0);
  });

  it('keeps a webhook that beat its waiter, for a while', async () => {
    const waiters = new PredictionWaiters(100);
    expect(waiters.deliver(succeeded('early'), 2)).toBe(0);
    expect(await within(waiters.register('early', 2).arrived)).toMatchObject({ id: 'early' });
    await new Promise((r) => setTimeout(r, 150));
    expect(await within(waiters.register('early', 2).arrived)).toBe('pending'); // expired
  });

  it('ignores a webhook pushed under another key (signed by another account) and non-terminal updates', async () => {
    const waiters = new PredictionWaiters();
    const wait = waiters.register('p2', 1);
    expect(waiters.deliver(succeeded('p2'), 2)).toBe(0);
    expect(waiters.deliver({ ...succeeded('p2'), status: 'processing' } as Prediction, 1)).toBe(0);
    expect(await within(wait.arrived)).toBe('pending');
  });
});

describe('webhook configuration', () => {
  const base = { REPLICATE_API_TOKEN_1: testToken(1) };
  const problem = (env: NodeJS.ProcessEnv) => {
    try {
      parseReplicateConfig({ ...base, ...env });
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  };

  it('is off unless REPLICATE_WEBHOOK_URL is set', () => {
    expect(parseReplicateConfig(base).webhook).toBeUndefined();
  });

  it('parses URL, listen address and secret', () => {
    const config = parseReplicateConfig({
      ...base,
      REPLICATE_WEBHOOK_URL: 'https://worker1.example.com/replicate/webhook',
      REPLICATE_WEBHOOK_LISTEN: '0.0.0.0:8791',
      REPLICATE_WEBHOOK_SECRET: SECRET,
    });
    expect(config.webhook).toEqual({
      url: 'https://worker1.example.com/replicate/webhook',
      listen: { host: '0.0.0.0', port: 8791 },
      secret: SECRET,
    });
    expect(
      parseReplicateConfig({ ...base, REPLICATE_WEBHOOK_URL: 'http://h/x', REPLICATE_WEBHOOK_LISTEN: '[::]:0' }).webhook
        ?.listen,
    ).toEqual({
      host: '::',
      port: 0,
    });
  });

  it('names the variable that is wrong, never the secret', () => {
    const url = 'https://worker1.example.com/replicate/webhook';
    expect(problem({ REPLICATE_WEBHOOK_URL: url })).toMatch(/REPLICATE_WEBHOOK_LISTEN is required/);
    expect(problem({ REPLICATE_WEBHOOK_LISTEN: '0.0.0.0:8791' })).toMatch(/REPLICATE_WEBHOOK_URL is not/);
    expect(problem({ REPLICATE_WEBHOOK_URL: url, REPLICATE_WEBHOOK_LISTEN: '8791' })).toMatch(
      /REPLICATE_WEBHOOK_LISTEN must be host:port/,
    );
    expect(problem({ REPLICATE_WEBHOOK_URL: url, REPLICATE_WEBHOOK_LISTEN: 'h:70000' })).toMatch(
      /REPLICATE_WEBHOOK_LISTEN must be/,
    );
    expect(problem({ REPLICATE_WEBHOOK_URL: 'ftp://x/y', REPLICATE_WEBHOOK_LISTEN: 'h:1' })).toMatch(
      /REPLICATE_WEBHOOK_URL must be/,
    );
    const badSecret = 'not-a-whsec-secret-value';
    const message = problem({
      REPLICATE_WEBHOOK_URL: url,
      REPLICATE_WEBHOOK_LISTEN: 'h:1',
      REPLICATE_WEBHOOK_SECRET: badSecret,
    });
    expect(message).toMatch(/REPLICATE_WEBHOOK_SECRET must look like whsec_/);
    expect(message).not.toContain(badSecret);
  });
});

describe('the polling schedules', () => {
  it("keep every key under Replicate's 3000 GETs per minute with all its slots polling", () => {
    for (const concurrency of [1, 4, 5, 20, 80]) {
      const floor = pollDelayMs(0, concurrency);
      expect(floor).toBe(Math.min(2000, Math.max(100, 25 * concurrency)));
      expect((concurrency * 60_000) / floor).toBeLessThan(3000);
    }
    expect(pollDelayMs(0, 5)).toBe(125);
  });

  it('fall back to a slow poll when webhooks push: 1 s, then 10 % of the wait, at most 5 s', () => {
    expect(fallbackPollDelayMs(0)).toBe(1000);
    expect(fallbackPollDelayMs(20_000)).toBe(2000);
    expect(fallbackPollDelayMs(600_000)).toBe(5000);
  });
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook endpoint that records what it gets and answers `status()`. */
async function startCapture(status: () => number = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the emulator sends signed webhooks', () => {
  const token = testToken(1);
  let emulator: ReplicateEmulator | undefined;
  let capture: Awaited<ReturnType<typeof startCapture>> | undefined;
  afterEach(async () => {
    await emulator?.close();
    await capture?.close();
    emulator = capture = undefined;
  });

  async function setUp(options: Parameters<typeof startReplicateEmulator>[0] = {}, status?: () => number) {
    capture = await startCapture(status);
    emulator = await startReplicateEmulator({
      latencySeconds: 0.1,
      jitter: 0,
      tokens: [token],
      webhookRetryDelayMs: 50,
      ...options,
    });
    return {
      emulator,
      capture,
      client: createReplicatePool(poolConfig([token], emulator.url, 1).keys, emulator.url).get(1)!.client,
    };
  }

  it("signs with the account's secret from GET /webhooks/default/secret; 'completed' only sends the terminal state", async () => {
    const { emulator, capture, client } = await setUp();
    const { key } = await client.webhooks.default.secret.get();
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(key).toBe(emulator.webhookSecret(token));
    expect(key).not.toBe(emulator.webhookSecret(testToken(2))); // one secret per account

    const created = await client.predictions.create({
      model: FLUX,
      input: { prompt: 'a kite' },
      webhook: capture.url,
      webhook_events_filter: ['completed'],
    });
    await vi.waitFor(() => expect(capture.received).toHaveLength(1), { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(capture.received).toHaveLength(1);
    const [hook] = capture.received;
    const verdict = verifyWebhook(new Webhook(key), hook!.body, hook!.headers as Record<string, string>);
    expect(verdict).toEqual({ ok: true });
    expect(JSON.parse(hook!.body)).toMatchObject({
      id: created.id,
      status: 'succeeded',
      output: [expect.stringContaining('/files/')],
    });
    expect(emulator.stats(token)).toMatchObject({
      webhooksDelivered: 1,
      webhooksFailed: 0,
      webhooksDropped: 0,
      gets: 1,
    });
  });

  it('sends every event by default (start and completed), and nothing with sendWebhooks: false', async () => {
    const { capture, client } = await setUp();
    await client.predictions.create({ model: FLUX, input: { prompt: 'a kite' }, webhook: capture.url });
    await vi.waitFor(() => expect(capture.received).toHaveLength(2), { timeout: 30_000 });
    expect(capture.received.map((r) => (JSON.parse(r.body) as Prediction).status)).toEqual(['processing', 'succeeded']);

    const quiet = await startReplicateEmulator({
      latencySeconds: 0.05,
      jitter: 0,
      tokens: [token],
      sendWebhooks: false,
    });
    try {
      const quietClient = createReplicatePool(poolConfig([token], quiet.url, 1).keys, quiet.url).get(1)!.client;
      await quietClient.predictions.create({ model: FLUX, input: { prompt: 'quiet' }, webhook: capture.url });
      await new Promise((r) => setTimeout(r, 300));
      expect(capture.received).toHaveLength(2);
      expect(quiet.stats(token)?.webhooksDelivered).toBe(0);
    } finally {
      await quiet.close();
    }
  });

  it('retries a failed delivery once with the same webhook-id, then counts it failed; drops count as dropped', async () => {
    const { emulator, capture, client } = await setUp({}, () => 500);
    await client.predictions.create({
      model: FLUX,
      input: { prompt: 'a kite' },
      webhook: capture.url,
      webhook_events_filter: ['completed'],
    });
    await vi.waitFor(() => expect(emulator.stats(token)?.webhooksFailed).toBe(1), { timeout: 30_000 });
    expect(capture.received).toHaveLength(2);
    expect(capture.received[1]!.headers['webhook-id']).toBe(capture.received[0]!.headers['webhook-id']);

    const lossy = await startReplicateEmulator({
      latencySeconds: 0.05,
      jitter: 0,
      tokens: [token],
      webhookDropRate: 1,
    });
    try {
      const lossyClient = createReplicatePool(poolConfig([token], lossy.url, 1).keys, lossy.url).get(1)!.client;
      await lossyClient.predictions.create({ model: FLUX, input: { prompt: 'lost' }, webhook: capture.url });
      // start and completed
      await vi.waitFor(() => expect(lossy.stats(token)?.webhooksDropped).toBe(2), { timeout: 30_000 });
      expect(capture.received).toHaveLength(2);
    } finally {
      await lossy.close();
    }
  });
});

describe("the worker's webhook receiver", () => {
  const tokens = [testToken(1), testToken(2)];
  let emulator: ReplicateEmulator;
  let receiver: WebhookReceiver;

  /** A receiver on a free port for `tokens`, fetching their secrets from `baseUrl`. */
  async function startReceiver(baseUrl: string, onError?: (message: string) => void) {
    const replicate = poolConfig(tokens, baseUrl, 1, await webhookEnv());
    return startWebhookReceiver({
      config: replicate.webhook!,
      pool: createReplicatePool(replicate.keys, baseUrl),
      onError,
    });
  }

  beforeAll(async () => {
    emulator = await startReplicateEmulator({ latencySeconds: 0.1, jitter: 0, tokens });
    receiver = await startReceiver(emulator.url);
  });
  afterAll(async () => {
    await receiver?.close();
    await emulator?.close();
  });

  function post(keyIndex: number, body: string, secret: string, headers: Record<string, string> = {}) {
    return fetch(receiver.urlFor(keyIndex), {
      method: 'POST',
      headers: { ...signedHeaders(body, secret), ...headers },
      body,
    });
  }

  it("wakes the waiter when the delivery is signed with the creating key's own secret (fetched from Replicate)", async () => {
    const wait = receiver.waiters.register('r1', 2);
    const response = await post(2, JSON.stringify(succeeded('r1')), emulator.webhookSecret(tokens[1]!));
    expect(response.status).toBe(200);
    expect(await within(wait.arrived, 500)).toMatchObject({ id: 'r1', status: 'succeeded' });
    wait.dispose();
  });

  it("answers 401 to another account's signature, a bad signature, an unknown key or a stale delivery", async () => {
    const wait = receiver.waiters.register('r2', 1);
    const body = JSON.stringify(succeeded('r2'));
    expect((await post(1, body, emulator.webhookSecret(tokens[1]!))).status).toBe(401); // key 2's secret, key 1's URL
    expect((await post(1, body, OTHER_SECRET)).status).toBe(401);
    expect((await post(7, body, emulator.webhookSecret(tokens[0]!))).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    const staleHeaders = {
      'webhook-timestamp': String(stale),
      'webhook-signature': sign(emulator.webhookSecret(tokens[0]!), 'msg_1', stale, body),
    };
    expect((await post(1, body, emulator.webhookSecret(tokens[0]!), staleHeaders)).status).toBe(401);
    expect(await within(wait.arrived)).toBe('pending');
    wait.dispose();
  });

  it('answers 405 with Allow: POST to any other method', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(receiver.urlFor(1), { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('answers 413 to a body over 10 MiB, whether its length is announced or it is streamed', async () => {
    const secret = emulator.webhookSecret(tokens[0]!);
    const big = 'x'.repeat(10 * 1024 * 1024 + 1);
    expect((await post(1, big, secret)).status).toBe(413);
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 11) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(receiver.urlFor(1), {
      method: 'POST',
      headers: signedHeaders('', secret),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Neither left a connection behind that breaks the next delivery.
    expect((await post(1, JSON.stringify(succeeded('r4')), secret)).status).toBe(200);
  });

  it('answers 400 to a correctly signed body that is not JSON or not a prediction', async () => {
    const secret = emulator.webhookSecret(tokens[0]!);
    const notJson = await post(1, 'not json', secret);
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toBe('body is not JSON');
    const notPrediction = await post(1, JSON.stringify({ hello: 'world' }), secret);
    expect(notPrediction.status).toBe(400);
    expect(await notPrediction.text()).toBe('not a prediction');
  });

  it('answers 503, and reports it, while the signing secret cannot be fetched; the next delivery tries again', async () => {
    const failing = await startCapture(() => 500); // stands in for Replicate's secret endpoint
    const errors: string[] = [];
    const unlucky = await startReceiver(failing.url, (m) => errors.push(m));
    try {
      const body = JSON.stringify(succeeded('r3'));
      const deliver = () =>
        fetch(unlucky.urlFor(1), {
          method: 'POST',
          headers: signedHeaders(body, emulator.webhookSecret(tokens[0]!)),
          body,
        });
      expect((await deliver()).status).toBe(503);
      expect((await deliver()).status).toBe(503);
      expect(errors).toEqual(Array(2).fill('Replicate webhooks: could not get the signing secret of key #1'));
      // One fetch per delivery: a failed fetch is not cached.
      expect(failing.received.map((r) => r.url)).toEqual(Array(2).fill('/hook/webhooks/default/secret'));
    } finally {
      await unlucky.close();
      await failing.close();
    }
  });

  it('close() ends open keep-alive connections instead of waiting for them', async () => {
    const closing = await startReceiver(emulator.url);
    const agent = new Agent({ keepAlive: true });
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const req = request(closing.urlFor(1), { agent, method: 'GET' }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.socket!));
        });
        req.on('error', reject);
        req.end();
      });
      expect(socket.destroyed).toBe(false);
      const socketClosed = new Promise((resolve) => socket.once('close', resolve));
      await closing.close();
      await socketClosed;
      expect(socket.destroyed).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});

describe('imageBatch with webhooks (real Temporal server + emulator)', () => {
  const KEYS = 3;
  const LIMIT = 2;
  const TASKS = 8;
  let client: Client;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    client = await connectTestClient();
  });
  afterEach(async () => {
    for (const stop of cleanups.splice(0).reverse()) await stop();
  });
  afterAll(async () => {
    await client?.connection.close();
  });

  /** An emulator and a worker set serving it, with the receiver on a free port unless `polling`. */
  async function pool(emulatorOptions: Parameters<typeof startPoolFixture>[2], mode: 'webhooks' | 'polling') {
    const fixture = await startPoolFixture(KEYS, LIMIT, emulatorOptions);
    cleanups.push(() => fixture.emulator.close());
    const env = mode === 'webhooks' ? await webhookEnv() : {};
    const workers = await startTestWorkers({ replicate: poolConfig(fixture.tokens, fixture.emulator.url, LIMIT, env) });
    cleanups.push(() => workers.stop());
    return { ...fixture, workers };
  }

  const tasks = (tag: string, n = TASKS) => Array.from({ length: n }, (_, i) => ({ prompt: `${tag} ${i}` }));

  function start(taskQueue: string, tag: string, n = TASKS): Promise<WorkflowHandle<typeof imageBatch>> {
    return client.workflow.start(imageBatch, {
      taskQueue,
      workflowId: `webhook-batch-${tag}-${Date.now()}`,
      args: [{ tasks: tasks(tag, n) }],
    });
  }

  it('completes on webhooks with far fewer status GETs than polling needs for the same batch', async () => {
    const polled = await pool({ latencySeconds: 0.4, jitter: 0.5 }, 'polling');
    expect((await (await start(polled.workers.taskQueue, 'polled')).result()).summary).toBe(
      `${TASKS} successful, 0 failed`,
    );
    const pollingGets = polled.emulator.stats().totals.gets;

    const { emulator, workers } = await pool({ latencySeconds: 0.4, jitter: 0.5 }, 'webhooks');
    const result = await (await start(workers.taskQueue, 'pushed')).result();
    expect(result.summary).toBe(`${TASKS} successful, 0 failed`);
    const stats = emulator.stats();
    console.log(
      `${TASKS} predictions: ${pollingGets} GETs polling, ${stats.totals.gets} with webhooks (${stats.totals.webhooksDelivered} delivered)`,
    );
    expect(stats.totals.created).toBe(TASKS);
    expect(stats.totals.webhooksDelivered).toBe(TASKS);
    expect(stats.totals.webhooksFailed).toBe(0);
    // Polling needs about one GET per 100 ms of each prediction; webhooks need the secret once per key.
    expect(pollingGets).toBeGreaterThanOrEqual(TASKS * 2);
    expect(stats.totals.gets).toBeLessThan(TASKS * 3);
    expect(stats.totals.gets).toBeLessThanOrEqual(KEYS);
    expect(stats.concurrencyViolations).toEqual([]);
  });

  it('still completes every task by the fallback poll when every webhook is lost', async () => {
    const { emulator, workers } = await pool({ latencySeconds: 0.3, jitter: 0.5, webhookDropRate: 1 }, 'webhooks');
    const result = await (await start(workers.taskQueue, 'lost')).result();
    expect(result.summary).toBe(`${TASKS} successful, 0 failed`);
    const stats = emulator.stats();
    expect(stats.totals.webhooksDropped).toBe(TASKS);
    expect(stats.totals.webhooksDelivered).toBe(0);
    expect(stats.totals.created).toBe(TASKS);
    // Each prediction found by one slow poll (1 s > the 0.45 s longest latency), plus the secrets.
    expect(stats.totals.gets).toBeGreaterThanOrEqual(TASKS);
    expect(stats.totals.gets).toBeLessThanOrEqual(TASKS + KEYS);
  });

  it('cancelling the run cancels its predictions upstream while they wait for webhooks', async () => {
    const { emulator, workers } = await pool({ latencySeconds: 8, jitter: 0 }, 'webhooks');
    const handle = await start(workers.taskQueue, 'cancelled', KEYS * LIMIT);
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(KEYS * LIMIT), { timeout: 30_000 });
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(0), { timeout: 7_000 });
    const stats = emulator.stats();
    expect(stats.totals.canceled).toBe(KEYS * LIMIT);
    expect(stats.cancelCalls).toBeGreaterThanOrEqual(KEYS * LIMIT);
  });
});
