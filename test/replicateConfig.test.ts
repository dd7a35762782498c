/**
 * Pure checks of the Replicate key-pool configuration and of how Replicate's answers become typed
 * Temporal failures. Client errors come from the real `replicate` client talking to the emulator
 * (or, for answers the emulator does not give, to a one-route stub server).
 */
import { ApplicationFailure } from '@temporalio/common';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Replicate from 'replicate';
import type { Prediction } from 'replicate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { type ReplicateKey, parseReplicateConfig } from '../src/config/replicate.js';
import { maskToken } from '../src/security/redact.js';
import { E6716_ERROR, type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { createKeyClient, noRetryFetch } from '../src/replicate/client.js';
import { ReplicateErrorTypes, failureFromClientError, predictionFailure } from '../src/replicate/errors.js';
import { retryAfterMs } from '../src/util/retryAfter.js';
import { testToken } from './support/replicate.js';

const FLUX = 'black-forest-labs/flux-schnell';

function tokensEnv(tokens: Record<number, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...extra };
  for (const [n, token] of Object.entries(tokens)) env[`REPLICATE_API_TOKEN_${n}`] = token;
  return env;
}

function configError(env: NodeJS.ProcessEnv): Error {
  try {
    parseReplicateConfig(env);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected parseReplicateConfig to throw');
}

describe('parseReplicateConfig', () => {
  const t1 = testToken(1);
  const t2 = testToken(2);
  const t3 = testToken(3);
  const t4 = testToken(4);

  it('reads REPLICATE_API_TOKEN_1..N in order, with the default concurrency of 5 and base URL', () => {
    const config = parseReplicateConfig(tokensEnv({ 2: t2, 1: t1, 3: t3 }));
    expect(config.keys.map((k) => [k.index, k.token, k.concurrency])).toEqual([
      [1, t1, 5],
      [2, t2, 5],
      [3, t3, 5],
    ]);
    expect(config.servedKeys).toEqual([1, 2, 3]);
    expect(config.baseUrl).toBe('https://api.replicate.com/v1');
    expect(config.defaultModel).toBe(FLUX);
    // Fingerprints tell keys apart without revealing them.
    const fingerprints = config.keys.map((k) => k.fingerprint);
    expect(new Set(fingerprints).size).toBe(3);
    for (const k of config.keys) expect(t1 + t2 + t3).not.toContain(k.fingerprint);
  });

  it('a gap in the numbering is an error naming the missing variable and no token value', () => {
    const err = configError(tokensEnv({ 1: t1, 2: t2, 4: t4 }));
    expect(err.message).toContain('REPLICATE_API_TOKEN_3');
    expect(err.message).toMatch(/REPLICATE_API_TOKEN_3 is missing/);
    for (const token of [t1, t2, t4]) expect(err.message).not.toContain(token);

    const first = configError(tokensEnv({ 2: t2 }));
    expect(first.message).toMatch(/REPLICATE_API_TOKEN_1 is missing/);
    expect(first.message).not.toContain(t2);

    // The app-level config wraps it and still leaks nothing.
    let wrapped: Error | undefined;
    try {
      parseConfig(tokensEnv({ 1: t1, 3: t3 }));
    } catch (e) {
      wrapped = e as Error;
    }
    expect(wrapped?.name).toBe('ConfigError');
    expect(wrapped?.message).toContain('REPLICATE_API_TOKEN_2');
    expect(wrapped?.message).not.toContain(t1);
    expect(wrapped?.message).not.toContain(t3);
  });

  it('an empty numbered variable counts as absent', () => {
    const err = configError(tokensEnv({ 1: t1, 2: '  ', 3: t3 }));
    expect(err.message).toMatch(/REPLICATE_API_TOKEN_2 is missing/);
    expect(err.message).not.toContain(t1);
  });

  it('a token with whitespace inside is named by variable, not value', () => {
    const spaced = 'r8_abc def0123456789abcdef0123456789';
    const err = configError(tokensEnv({ 1: t1, 2: spaced }));
    expect(err.message).toContain('REPLICATE_API_TOKEN_2 contains whitespace');
    expect(err.message).not.toContain(spaced);
    expect(err.message).not.toContain('def0123456789');
  });

  it('falls back to a single REPLICATE_API_TOKEN, which numbered keys take precedence over', () => {
    const single = parseReplicateConfig({ REPLICATE_API_TOKEN: ` ${t1} `, REPLICATE_KEY_CONCURRENCY: '3' });
    expect(single.keys).toHaveLength(1);
    expect(single.keys[0]).toMatchObject({ index: 1, token: t1, concurrency: 3, masked: maskToken(t1) });
    expect(single.servedKeys).toEqual([1]);

    const numbered = parseReplicateConfig({ REPLICATE_API_TOKEN: t4, ...tokensEnv({ 1: t1, 2: t2 }) });
    expect(numbered.keys.map((k) => k.token)).toEqual([t1, t2]);

    const none = parseReplicateConfig({});
    expect(none.keys).toEqual([]);
    expect(none.servedKeys).toEqual([]);
  });

  it('REPLICATE_KEY_CONCURRENCY sets every key; REPLICATE_API_TOKEN_<n>_CONCURRENCY overrides one', () => {
    const config = parseReplicateConfig(
      tokensEnv({ 1: t1, 2: t2, 3: t3 }, { REPLICATE_KEY_CONCURRENCY: '2', REPLICATE_API_TOKEN_2_CONCURRENCY: '7' }),
    );
    expect(config.keys.map((k) => k.concurrency)).toEqual([2, 7, 2]);

    const bad = configError(tokensEnv({ 1: t1 }, { REPLICATE_API_TOKEN_1_CONCURRENCY: '0' }));
    expect(bad.message).toContain('REPLICATE_API_TOKEN_1_CONCURRENCY');
    expect(bad.message).not.toContain(t1);
    expect(configError(tokensEnv({ 1: t1 }, { REPLICATE_KEY_CONCURRENCY: 'lots' })).message).toContain(
      'REPLICATE_KEY_CONCURRENCY',
    );
    expect(configError(tokensEnv({ 1: t1 }, { REPLICATE_KEY_CONCURRENCY: '2.5' })).message).toContain(
      'REPLICATE_KEY_CONCURRENCY',
    );
  });

  it('WORKER_REPLICATE_KEYS picks the keys this process serves', () => {
    const env = tokensEnv({ 1: t1, 2: t2, 3: t3 });
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: '1,3' }).servedKeys).toEqual([1, 3]);
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: ' 2 , 2 ' }).servedKeys).toEqual([2]);
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: 'all' }).servedKeys).toEqual([1, 2, 3]);
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: '' }).servedKeys).toEqual([1, 2, 3]);
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: 'none' }).servedKeys).toEqual([]);
    // Every key stays configured (a resumed prediction is watched with the key that created it).
    expect(parseReplicateConfig({ ...env, WORKER_REPLICATE_KEYS: '2' }).keys).toHaveLength(3);

    for (const invalid of ['4', '1,4', 'two', '1;2', '0']) {
      const err = configError({ ...env, WORKER_REPLICATE_KEYS: invalid });
      expect(err.message, invalid).toContain('WORKER_REPLICATE_KEYS');
      expect(err.message).toContain('1,2,3');
      for (const token of [t1, t2, t3]) expect(err.message).not.toContain(token);
    }
    expect(configError({ WORKER_REPLICATE_KEYS: '1' }).message).toContain('no keys configured');
  });

  it('masks tokens as r8_…abcd and never shows short ones', () => {
    const token = `r8_${'0123456789'.repeat(3)}abcd`; // built, so no token-shaped literal is tracked
    expect(maskToken(token)).toBe('r8_…abcd');
    expect(maskToken('r8_short')).toBe('…');
    const config = parseReplicateConfig(tokensEnv({ 1: token }));
    expect(config.keys[0]!.masked).toBe('r8_…abcd');
  });

  it('REPLICATE_BASE_URL must be a URL; a trailing slash is dropped', () => {
    expect(
      parseReplicateConfig({ ...tokensEnv({ 1: t1 }), REPLICATE_BASE_URL: 'http://127.0.0.1:9999/v1/' }).baseUrl,
    ).toBe('http://127.0.0.1:9999/v1');
    for (const bad of ['not a url', 'api.replicate.com/v1', '']) {
      const err = configError({ ...tokensEnv({ 1: t1 }), REPLICATE_BASE_URL: bad });
      expect(err.message, bad).toContain('REPLICATE_BASE_URL');
      expect(err.message).not.toContain(t1);
    }
  });

  it('reports every problem at once', () => {
    const err = configError({
      ...tokensEnv({ 1: t1, 3: t3 }),
      REPLICATE_BASE_URL: 'nope',
      REPLICATE_KEY_CONCURRENCY: '-1',
    });
    expect(err.message).toContain('REPLICATE_API_TOKEN_2');
    expect(err.message).toContain('REPLICATE_BASE_URL');
    expect(err.message).toContain('REPLICATE_KEY_CONCURRENCY');
  });
});

describe('retryAfterMs', () => {
  const headers = (value: string) => new Headers({ 'Retry-After': value });

  it('reads Retry-After in seconds', () => {
    expect(retryAfterMs(headers('3'), '')).toBe(3000);
    expect(retryAfterMs(headers('1.5'), '')).toBe(1500);
    // Never zero: an immediate retry would just be throttled again.
    expect(retryAfterMs(headers('0'), '')).toBe(100);
  });

  it('reads Retry-After as an HTTP date', () => {
    const ms = retryAfterMs(headers(new Date(Date.now() + 6_000).toUTCString()), '');
    // HTTP dates have whole seconds, so up to one second is lost to rounding.
    expect(ms).toBeGreaterThan(4_000);
    expect(ms).toBeLessThanOrEqual(6_000);
    expect(retryAfterMs(headers(new Date(Date.now() - 60_000).toUTCString()), '')).toBe(100);
  });

  it("falls back to Replicate's wording in the detail, then to 10 s", () => {
    expect(retryAfterMs(undefined, 'Request was throttled. Expected available in 2 seconds.')).toBe(2000);
    expect(retryAfterMs(new Headers(), 'Your rate limit resets in ~5s.')).toBe(5000);
    expect(retryAfterMs(headers('garbage'), 'Request was throttled.')).toBe(10_000);
    expect(retryAfterMs(undefined, '')).toBe(10_000);
    // The header wins over the detail.
    expect(retryAfterMs(headers('4'), 'Expected available in 2 seconds.')).toBe(4000);
  });
});

/** A server that answers every request with one canned response (for answers the emulator lacks). */
async function cannedServer(status: number, body: unknown, extraHeaders: Record<string, string> = {}) {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'Content-Type': 'application/json', ...extraHeaders });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to fail'),
    (err: unknown) => err,
  );
}

function expectNoToken(failure: ApplicationFailure, token: string): void {
  expect(failure.message).not.toContain(token);
  expect(JSON.stringify(failure.details ?? [])).not.toContain(token);
}

describe('Replicate failures as typed Temporal failures', () => {
  const token = `r8_${'q'.repeat(32)}w9z8`;
  const masked = 'r8_…w9z8';
  let emulator: ReplicateEmulator;
  let key: ReplicateKey;

  beforeAll(async () => {
    emulator = await startReplicateEmulator({ latencySeconds: 0.05, jitter: 0, tokens: [token] });
    key = parseReplicateConfig({ REPLICATE_API_TOKEN_1: token, REPLICATE_BASE_URL: emulator.url }).keys[0]!;
  });
  beforeEach(() => emulator.reset());
  afterAll(() => emulator?.close());

  const client = () => createKeyClient(key, emulator.url).client;
  const failureOf = async (call: Promise<unknown>, forKey = key) =>
    failureFromClientError(await rejection(call), forKey, 'creating a prediction');

  it('401: ReplicateAuthFailed, non-retryable, naming the masked key and the variable', async () => {
    const stranger = parseReplicateConfig({ REPLICATE_API_TOKEN_1: `r8_${'s'.repeat(32)}zz99` }).keys[0]!;
    const failure = await failureOf(
      createKeyClient(stranger, emulator.url).client.predictions.create({ model: FLUX, input: { prompt: 'x' } }),
      stranger,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(ReplicateErrorTypes.AuthFailed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('#1 (r8_…zz99)');
    expect(failure.message).toContain('REPLICATE_API_TOKEN_1');
    expectNoToken(failure, stranger.token);
    expect(failure.details).toEqual([{ status: 401, key: 'r8_…zz99' }]);
    expect(emulator.stats().unauthorized).toBe(1);
  });

  it('402: ReplicateOutOfCredit, non-retryable', async () => {
    const stub = await cannedServer(402, {
      title: 'Payment required',
      detail: 'You have insufficient credit to run this model.',
    });
    try {
      const failure = await failureOf(
        createKeyClient(key, stub.url).client.predictions.create({ model: FLUX, input: { prompt: 'x' } }),
      );
      expect(failure.type).toBe(ReplicateErrorTypes.OutOfCredit);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(masked);
      expect(failure.message).toContain('insufficient credit');
      expectNoToken(failure, token);
      expect(stub.requests()).toBe(1);
    } finally {
      await stub.close();
    }
  });

  it("404 and 422: non-retryable with Replicate's detail", async () => {
    const notFound = await failureOf(client().predictions.create({ model: 'nobody/nothing', input: { prompt: 'x' } }));
    expect(notFound.type).toBe(ReplicateErrorTypes.ModelNotFound);
    expect(notFound.nonRetryable).toBe(true);
    expect(notFound.message).toMatch(/404/);
    expectNoToken(notFound, token);

    const invalid = await failureOf(client().predictions.create({ model: FLUX, input: { width: 3 } }));
    expect(invalid.type).toBe(ReplicateErrorTypes.InvalidInput);
    expect(invalid.nonRetryable).toBe(true);
    expect(invalid.message).toContain('prompt is required');
    expectNoToken(invalid, token);
  });

  it('429: ReplicateRateLimited, retryable, nextRetryDelay from Retry-After', async () => {
    emulator.setFaults({ throttleNext: 1, retryAfterSeconds: 3 });
    const failure = await failureOf(client().predictions.create({ model: FLUX, input: { prompt: 'x' } }));
    expect(failure.type).toBe(ReplicateErrorTypes.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
    expect(failure.message).toContain(masked);
    expectNoToken(failure, token);
  });

  it('429 without Retry-After: the wait comes from the "resets in ~Ns" detail', async () => {
    const stub = await cannedServer(429, { title: 'Too many requests', detail: 'Rate limit exceeded; resets in ~7s.' });
    try {
      const failure = await failureOf(
        createKeyClient(key, stub.url).client.predictions.create({ model: FLUX, input: { prompt: 'x' } }),
      );
      expect(failure.type).toBe(ReplicateErrorTypes.RateLimited);
      expect(failure.nextRetryDelay).toBe(7000);
      expect(stub.requests()).toBe(1);
    } finally {
      await stub.close();
    }
  });

  it('5xx: ReplicateUnavailable, retryable with the policy backoff', async () => {
    emulator.setFaults({ createErrorRate: 1, createErrorStatus: 500 });
    const failure = await failureOf(client().predictions.create({ model: FLUX, input: { prompt: 'x' } }));
    expect(failure.type).toBe(ReplicateErrorTypes.Unavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(failure.message).toContain('500');
    expect(failure.message).toContain(masked);
    expectNoToken(failure, token);
  });

  it('network errors: ReplicateUnavailable, retryable, and a token in the error text is scrubbed', async () => {
    const closed = await cannedServer(200, {});
    await closed.close();
    const failure = await failureOf(createKeyClient(key, closed.url).client.predictions.get('abc'));
    expect(failure.type).toBe(ReplicateErrorTypes.Unavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('Could not reach Replicate');
    expect(failure.message).toContain(masked);

    const leaky = failureFromClientError(
      new Error(`connect failed: Authorization: Bearer ${token}`),
      key,
      'creating a prediction',
    );
    expect(leaky.type).toBe(ReplicateErrorTypes.Unavailable);
    expectNoToken(leaky, token);
    expect(leaky.message).toContain(`Bearer ${masked}`);
  });

  async function finished(id: string): Promise<Prediction> {
    for (;;) {
      const p = await client().predictions.get(id);
      if (p.status === 'succeeded' || p.status === 'failed' || p.status === 'canceled') return p;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('a prediction failed with E6716 is a retryable PredictionFailedTransient', async () => {
    emulator.setFaults({ transientFailFirstN: 1 });
    const created = await client().predictions.create({ model: FLUX, input: { prompt: 'x' } });
    const failed = await finished(created.id);
    expect(failed.status).toBe('failed');
    const failure = predictionFailure(failed, key);
    expect(failure.type).toBe(ReplicateErrorTypes.PredictionFailedTransient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain(E6716_ERROR);
    expect(failure.message).toContain(created.id);
  });

  it('other model errors are non-retryable and carry the error and the last log lines', async () => {
    emulator.setFaults({ modelErrorInputIncludes: 'POISON' });
    const created = await client().predictions.create({ model: FLUX, input: { prompt: `POISON and ${token}` } });
    const failed = await finished(created.id);
    expect(failed.status).toBe('failed');
    const failure = predictionFailure({ ...failed, logs: `${failed.logs ?? ''}token was ${token}\n` }, key);
    expect(failure.type).toBe(ReplicateErrorTypes.PredictionFailed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('the model could not process this input');
    expect(failure.message).toContain('last log lines:');
    expect(failure.message).toContain('raise ValueError(msg)');
    // Only the tail of the log: the first line ("Using seed: …") is more than five lines back.
    expect(failure.message).not.toContain('Using seed');
    expectNoToken(failure, token);
  });

  it('a prediction canceled outside reelflow is non-retryable PredictionCanceled', async () => {
    const created = await client().predictions.create({ model: FLUX, input: { prompt: 'x' } });
    await client().predictions.cancel(created.id);
    const failure = predictionFailure(await finished(created.id), key);
    expect(failure.type).toBe(ReplicateErrorTypes.PredictionCanceled);
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('noRetryFetch', () => {
  const token = testToken(7);
  let emulator: ReplicateEmulator;

  beforeAll(async () => {
    emulator = await startReplicateEmulator({ latencySeconds: 0.05, jitter: 0, tokens: [token] });
  });
  afterAll(() => emulator?.close());

  it('makes exactly one HTTP request for a 429, and the client still sees ApiError 429 with Retry-After', async () => {
    const key = parseReplicateConfig({ REPLICATE_API_TOKEN_1: token }).keys[0]!;
    emulator.setFaults({ throttleNext: 5, retryAfterSeconds: 2 });
    const err = (await rejection(
      createKeyClient(key, emulator.url).client.predictions.create({ model: FLUX, input: { prompt: 'x' } }),
    )) as {
      name: string;
      response: Response;
    };
    expect(err.name).toBe('ApiError');
    expect(err.response.status).toBe(429);
    expect(err.response.headers.get('retry-after')).toBe('2');
    expect(emulator.stats(token)?.throttled).toBe(1);
    expect(emulator.faults().throttleNext).toBe(4);

    // Without it the client burns through the rest of the burst on its own, back to back.
    const plain = new Replicate({ auth: token, baseUrl: emulator.url });
    await plain.predictions.create({ model: FLUX, input: { prompt: 'x' } });
    expect(emulator.stats(token)?.throttled).toBe(5);
    expect(emulator.faults().throttleNext).toBe(0);
  });

  it('passes other answers through and makes one attempt when fetch itself fails', async () => {
    let calls = 0;
    const failing = noRetryFetch(async () => {
      calls++;
      throw new TypeError('fetch failed');
    });
    const client = new Replicate({ auth: token, baseUrl: emulator.url, fetch: failing as typeof fetch });
    await expect(client.predictions.get('abc')).rejects.toThrow('fetch failed');
    expect(calls).toBe(1);

    let wire = 0;
    const counting = noRetryFetch((input, init) => {
      wire++;
      return fetch(input, init);
    });
    const ok = new Replicate({ auth: token, baseUrl: emulator.url, fetch: counting as typeof fetch });
    const created = await ok.predictions.create({ model: FLUX, input: { prompt: 'y' } });
    expect(created.status).toBe('starting');
    const err = (await rejection(ok.predictions.get('doesnotexist'))) as { response: Response };
    expect(err.response.status).toBe(404);
    expect(wire).toBe(2);
  });
});
