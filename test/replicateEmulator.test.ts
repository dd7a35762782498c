/**
 * The real `replicate` npm client (v1.4.0) against the local Replicate emulator
 * (src/emulators/replicate).
 *
 * What the client does (read from node_modules/replicate/index.js + lib/*.js):
 *
 * - Base URL: `new Replicate({ auth, baseUrl })`, default "https://api.replicate.com/v1".
 *   `request()` resolves routes with `new URL(route without leading '/', baseUrl + '/')`,
 *   so a path prefix such as "/v1" is kept. Auth goes out as `Authorization: Bearer <auth>`.
 *   `fetch` is also a constructor option (defaults to globalThis.fetch).
 * - Endpoints used: predictions.create → POST /models/{owner}/{name}/predictions (with
 *   `model`) or POST /predictions (with `version`); get → GET /predictions/{id};
 *   cancel → POST /predictions/{id}/cancel; list → GET /predictions (+ `next` cursor URL).
 *   `create({ wait })` sends `Prefer: wait[=n]`; `run()` always does so in its default
 *   "block" mode, then polls when it gets status "starting" back.
 * - `replicate.wait(prediction, { interval })` polls GET every `interval` ms (default 500)
 *   and THROWS `Error("Prediction failed: <error>")` when the status is "failed". So
 *   a Temporal activity should poll with `predictions.get` if it needs the failed body.
 * - `run()` only turns outputs that start with "https:" (or "data:") into FileOutput;
 *   the emulator's outputs are http: URLs, so `run()` returns plain strings here.
 *
 * 429 / retry behaviour (this matters once Temporal owns retries):
 * - Every API call goes through `Replicate.prototype.request` (index.js), which wraps
 *   `this.fetch(url, init)` in `withAutomaticRetries` (lib/util.js). `shouldRetry` is
 *   "429 or >= 500" for GET and "429 only" for every other method (create, cancel).
 *   There is no constructor option to turn this off and no maxRetries knob.
 * - maxRetries = 5 → up to 6 HTTP attempts per call (5 in the loop + a final one whose
 *   response is returned / turned into an ApiError).
 * - Effectively NO backoff and Retry-After is IGNORED: the loop only sleeps when
 *   `delay = 500 * 2 ** n + Math.random() * 100` is an integer (practically never), and
 *   then sleeps `interval * 2 ** (options.maxRetries - maxRetries)` = NaN ms. Retry-After
 *   is read only in a `catch (error instanceof ApiError)` branch that a fetch() resolving
 *   with a Response never reaches. Retries are back-to-back within milliseconds.
 * - Errors thrown by fetch (ECONNREFUSED, aborted sockets, …) are swallowed and retried
 *   by the same loop; only the 6th attempt's error propagates.
 * - How to bypass it: pass a custom `fetch`. `request()` hands the SAME `url` and `init`
 *   objects to every attempt, so a wrapper can key on `init` (WeakMap) and replay the
 *   first retryable response (body buffered) to the later attempts without touching
 *   the network: exactly one HTTP request, and the caller gets an ApiError whose
 *   `response.status` is 429 and whose `response.headers.get('retry-after')` is intact
 *   (see `noRetryFetch` below, exercised by a test). Throwing from the wrapper does NOT
 *   work (the loop catches everything). Alternatives: override `replicate.request` on the
 *   instance (predictions.* call `this.request`), or call the HTTP API with plain fetch.
 */
import { describe, expect, it } from 'vitest';
import Replicate from 'replicate';
import type { Prediction } from 'replicate';
import {
  E6716_ERROR,
  inputHash,
  SDXL_VERSION,
  startReplicateEmulator,
  type ReplicateEmulator,
  type ReplicateEmulatorOptions,
} from '../src/emulators/replicate/index.js';

const TOKEN_A = `r8_${'a'.repeat(33)}a1b2`;
const TOKEN_B = `r8_${'b'.repeat(33)}c3d4`;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const FLUX = 'black-forest-labs/flux-schnell';

type FetchFn = (input: Request | string, init?: RequestInit) => Promise<Response>;

/** Makes the client's built-in retry loop a no-op (see header comment). */
function noRetryFetch(inner: FetchFn = (i, init) => fetch(i, init)): FetchFn {
  const replay = new WeakMap<object, { body: ArrayBuffer; init: ResponseInit }>();
  return async (input, init) => {
    const key = init ?? (input as object);
    const seen = replay.get(key);
    if (seen) return new Response(seen.body.slice(0), seen.init);
    const res = await inner(input, init);
    if (res.status === 429 || res.status >= 500) {
      const body = await res.arrayBuffer();
      const saved = { body, init: { status: res.status, statusText: res.statusText, headers: res.headers } };
      replay.set(key, saved);
      return new Response(body.slice(0), saved.init);
    }
    return res;
  };
}

async function withEmulator(
  options: ReplicateEmulatorOptions,
  fn: (emu: ReplicateEmulator, client: (auth?: string, fetchFn?: FetchFn) => Replicate) => Promise<void>,
): Promise<void> {
  const emu = await startReplicateEmulator({
    latencySeconds: 0.1,
    jitter: 0.5,
    tokens: [TOKEN_A, TOKEN_B],
    ...options,
  });
  const client = (auth = TOKEN_A, fetchFn?: FetchFn) =>
    new Replicate({ auth, baseUrl: emu.url, ...(fetchFn ? { fetch: fetchFn } : {}) });
  try {
    await fn(emu, client);
  } finally {
    await emu.close();
  }
}

async function pollTerminal(replicate: Replicate, id: string): Promise<Prediction> {
  for (;;) {
    const p = await replicate.predictions.get(id);
    if (p.status === 'succeeded' || p.status === 'failed' || p.status === 'canceled') return p;
    await new Promise((r) => setTimeout(r, 15));
  }
}

async function apiError(promise: Promise<unknown>): Promise<{ name: string; message: string; response: Response }> {
  const err = await promise.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e as { name: string; message: string; response: Response },
  );
  expect(err.name).toBe('ApiError');
  return err;
}

describe('replicate emulator with the real replicate client', () => {
  it('creates by model, progresses to succeeded and serves a real PNG', async () => {
    await withEmulator({}, async (emu, client) => {
      const replicate = client();
      const created = await replicate.predictions.create({
        model: FLUX,
        input: { prompt: 'a lighthouse at dusk', aspect_ratio: '9:16' },
      });
      expect(created.status).toBe('starting');
      expect(created.model).toBe(FLUX);
      expect(created.output).toBeNull();
      expect(created.urls.get).toBe(`${emu.url}/predictions/${created.id}`);
      expect(created.urls.cancel).toBe(`${emu.url}/predictions/${created.id}/cancel`);

      const done = await replicate.wait(created, { interval: 20 });
      expect(done.status).toBe('succeeded');
      expect(done.started_at).toBeTypeOf('string');
      expect(done.completed_at).toBeTypeOf('string');
      expect(done.metrics?.predict_time).toBeGreaterThanOrEqual(0);
      expect(Array.isArray(done.output)).toBe(true);
      const [url] = done.output as string[];
      expect(url).toBe(`${emu.origin}/files/${created.id}/out-0.png`);

      const res = await fetch(url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      expect([view.getUint32(16), view.getUint32(20)]).toEqual([36, 64]); // 9:16, long side 64

      const got = await replicate.predictions.get(created.id);
      expect(got.status).toBe('succeeded');
      const page = await replicate.predictions.list();
      expect(page.results.map((p) => p.id)).toContain(created.id);
    });
  });

  it('creates by version ("owner/name:version" and bare id), honours num_outputs and single-output models', async () => {
    await withEmulator({ models: [{ model: 'acme/one-shot', output: 'single' }] }, async (emu, client) => {
      const replicate = client();
      const a = await replicate.predictions.create({
        version: `stability-ai/sdxl:${SDXL_VERSION}`,
        input: { prompt: 'x', num_outputs: 2 },
      });
      const b = await replicate.predictions.create({ version: SDXL_VERSION, input: { prompt: 'y' } });
      expect(a.version).toBe(SDXL_VERSION);
      expect(b.model).toBe('stability-ai/sdxl');
      expect((await pollTerminal(replicate, a.id)).output).toHaveLength(2);

      const single = await replicate.wait(
        await replicate.predictions.create({ model: 'acme/one-shot', input: { prompt: 'z' } }),
        { interval: 20 },
      );
      expect(typeof single.output).toBe('string');

      emu.registerModel({ model: 'acme/late', requiredInputs: ['text'] });
      const late = await replicate.predictions.create({ model: 'acme/late', input: { text: 't' } });
      expect((await pollTerminal(replicate, late.id)).status).toBe('succeeded');

      // run() goes through the same endpoints; http: outputs come back as plain strings.
      const out = await replicate.run(FLUX, { input: { prompt: 'run me' }, wait: { mode: 'poll', interval: 20 } });
      expect(out).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/.+\/out-0\.png$/)]);
    });
  });

  it('expires output files after the TTL (404)', async () => {
    await withEmulator({ fileTtlSeconds: 0.3, latencySeconds: 0.05 }, async (_emu, client) => {
      const replicate = client();
      const p = await pollTerminal(
        replicate,
        (await replicate.predictions.create({ model: FLUX, input: { prompt: 'p' } })).id,
      );
      const url = (p.output as string[])[0]!;
      expect((await fetch(url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 350));
      const gone = await fetch(url);
      expect(gone.status).toBe(404);
      expect((await replicate.predictions.get(p.id)).data_removed).toBe(true);
    });
  });

  it('answers 401 / 404 / 422 with Replicate-style problem JSON', async () => {
    await withEmulator({}, async (emu, client) => {
      const e401 = await apiError(
        client('r8_not_a_known_token').predictions.create({ model: FLUX, input: { prompt: 'x' } }),
      );
      expect(e401.response.status).toBe(401);
      expect(e401.message).toContain('"title":"Unauthenticated"');
      expect(e401.message).toContain('You did not pass a valid authentication token');

      const replicate = client();
      const e422 = await apiError(replicate.predictions.create({ model: FLUX, input: { width: 3 } }));
      expect(e422.response.status).toBe(422);
      expect(e422.message).toContain('prompt is required');

      const e404 = await apiError(replicate.predictions.create({ model: 'nobody/nothing', input: { prompt: 'x' } }));
      expect(e404.response.status).toBe(404);
      // sdxl is a community model: like Replicate, only the version endpoint works.
      expect(
        (await apiError(replicate.predictions.create({ model: 'stability-ai/sdxl', input: { prompt: 'x' } }))).response
          .status,
      ).toBe(404);
      expect(
        (await apiError(replicate.predictions.create({ version: 'deadbeef', input: { prompt: 'x' } }))).response.status,
      ).toBe(422);
      expect((await apiError(replicate.predictions.get('doesnotexist'))).response.status).toBe(404);

      expect(emu.stats().unauthorized).toBe(1);
      expect(emu.stats().totals.created).toBe(0);
    });
  });

  it('429 bursts: the client silently retries (no backoff, Retry-After ignored); a fetch wrapper disables that', async () => {
    await withEmulator({}, async (emu, client) => {
      // A burst of 2 is hidden by the client's own retry loop.
      emu.setFaults({ throttleNext: 2 });
      const t0 = Date.now();
      const ok = await client().predictions.create({ model: FLUX, input: { prompt: 'x' } });
      expect(ok.status).toBe('starting');
      expect(Date.now() - t0).toBeLessThan(1500); // Retry-After: 2 was not honoured
      expect(emu.stats(TOKEN_A)?.throttled).toBe(2);

      // A longer burst exhausts the 6 attempts and surfaces as ApiError 429.
      emu.reset();
      emu.setFaults({ throttleNext: 10 });
      const e = await apiError(client().predictions.create({ model: FLUX, input: { prompt: 'x' } }));
      expect(e.response.status).toBe(429);
      expect(e.response.headers.get('retry-after')).toBe('2');
      expect(e.message).toContain('Request was throttled. Expected available in 2 seconds.');
      expect(emu.stats(TOKEN_A)?.throttled).toBe(6);

      // With the replaying fetch wrapper the emulator sees exactly one request.
      emu.reset();
      emu.setFaults({ throttleNext: 10, retryAfterSeconds: 3 });
      const e1 = await apiError(
        client(TOKEN_A, noRetryFetch()).predictions.create({ model: FLUX, input: { prompt: 'x' } }),
      );
      expect(e1.response.status).toBe(429);
      expect(e1.response.headers.get('retry-after')).toBe('3');
      expect(emu.stats(TOKEN_A)?.throttled).toBe(1);
      expect(emu.faults().throttleNext).toBe(9);
    });
  });

  it('injected 5xx on create is not retried by the client for POST', async () => {
    await withEmulator({ faults: { createErrorRate: 1, createErrorStatus: 503 } }, async (emu, client) => {
      const e = await apiError(client().predictions.create({ model: FLUX, input: { prompt: 'x' } }));
      expect(e.response.status).toBe(503);
      expect(emu.stats(TOKEN_A)?.serverErrors).toBe(1);
      expect(emu.stats(TOKEN_A)?.created).toBe(0);
    });
  });

  it('E6716 transient failures and permanent model errors end as status "failed"', async () => {
    await withEmulator(
      { faults: { transientFailFirstN: 1, modelErrorInputIncludes: 'POISON' } },
      async (emu, client) => {
        const replicate = client();
        const input = { prompt: 'scene 1' };
        const first = await replicate.predictions.create({ model: FLUX, input });
        const failed = await pollTerminal(replicate, first.id);
        expect(failed.status).toBe('failed');
        expect(String(failed.error)).toContain('E6716');
        expect(failed.error).toBe(E6716_ERROR);
        // replicate.wait() throws instead of returning the failed prediction.
        await expect(replicate.wait(first, { interval: 20 })).rejects.toThrow(/Prediction failed: .*E6716/);

        // Transient: recreating the same input succeeds.
        const retry = await pollTerminal(replicate, (await replicate.predictions.create({ model: FLUX, input })).id);
        expect(retry.status).toBe('succeeded');
        expect(emu.stats().predictionsByInput[inputHash(input)]).toBe(2);

        const poisoned = await pollTerminal(
          replicate,
          (await replicate.predictions.create({ model: FLUX, input: { prompt: 'POISON pill' } })).id,
        );
        expect(poisoned.status).toBe('failed');
        expect(String(poisoned.error)).toContain('emulated permanent failure');
        expect(poisoned.logs).toContain('Traceback');
        expect(emu.stats(TOKEN_A)).toMatchObject({ created: 3, failed: 2, succeeded: 1, inFlight: 0 });
      },
    );
  });

  it('accounts per token: peak in-flight, counts, masking, per-input counts, concurrency violations', async () => {
    await withEmulator({ latencySeconds: 0.3, jitter: 0, concurrencyLimit: { [TOKEN_A]: 3 } }, async (emu, client) => {
      const a = client(TOKEN_A);
      const b = client(TOKEN_B);
      const scenes = [0, 1, 2, 3, 4].map((i) => ({ prompt: `scene ${i}` }));
      const created = await Promise.all([
        ...scenes.map((input) => a.predictions.create({ model: FLUX, input })),
        b.predictions.create({ model: FLUX, input: { prompt: 'b0' } }),
        b.predictions.create({ model: FLUX, input: { prompt: 'b1' } }),
      ]);
      expect(emu.stats(TOKEN_A)).toMatchObject({ inFlight: 5, peakInFlight: 5, created: 5 });
      expect(emu.stats(TOKEN_B)).toMatchObject({ inFlight: 2, peakInFlight: 2, created: 2 });
      await Promise.all(created.map((p, i) => pollTerminal(i < 5 ? a : b, p.id)));

      const s = emu.stats();
      expect(s.tokens['r8_…a1b2']).toMatchObject({ token: 'r8_…a1b2', inFlight: 0, peakInFlight: 5, succeeded: 5 });
      expect(s.tokens['r8_…c3d4']).toMatchObject({ inFlight: 0, peakInFlight: 2, succeeded: 2 });
      expect(s.totals).toMatchObject({ created: 7, succeeded: 7, peakInFlight: 7 });
      for (const input of scenes) expect(s.predictionsByInput[inputHash(input)]).toBe(1);
      expect(s.creates).toHaveLength(7);
      expect(s.concurrencyViolations.map((v) => v.inFlight)).toEqual([4, 5]);
      expect(s.concurrencyViolations.every((v) => v.token === 'r8_…a1b2' && v.limit === 3)).toBe(true);

      // The admin endpoint reports the same thing and never leaks a full token.
      const viaHttp = await (await fetch(`${emu.origin}/__emulator/stats`)).text();
      expect(viaHttp).not.toContain(TOKEN_A);
      expect(viaHttp).not.toContain(TOKEN_B);
      expect(JSON.parse(viaHttp)).toMatchObject({ totals: { created: 7 } });
    });
  });

  it('cancels a running prediction', async () => {
    await withEmulator({ latencySeconds: 5, jitter: 0 }, async (emu, client) => {
      const replicate = client();
      const p = await replicate.predictions.create({ model: FLUX, input: { prompt: 'slow' } });
      const canceled = await replicate.predictions.cancel(p.id);
      expect(canceled.status).toBe('canceled');
      expect((await replicate.predictions.get(p.id)).status).toBe('canceled');
      expect(emu.stats().cancelCalls).toBe(1);
      expect(emu.stats(TOKEN_A)).toMatchObject({ inFlight: 0, canceled: 1 });
    });
  });

  it('admin HTTP endpoints change faults and reset state', async () => {
    await withEmulator({}, async (emu, client) => {
      const post = (path: string, body?: unknown) =>
        fetch(`${emu.origin}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
      const set = await post('/__emulator/faults', { throttleNext: 1, retryAfterSeconds: 1 });
      expect(await set.json()).toMatchObject({ throttleNext: 1, retryAfterSeconds: 1 });
      expect((await post('/__emulator/faults', { bogus: 1 })).status).toBe(422);

      const raw = await fetch(`${emu.url}/models/${FLUX}/predictions`, {
        method: 'POST',
        headers: { Authorization: `Token ${TOKEN_B}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ input: { prompt: 'x' } }),
      });
      expect(raw.status).toBe(429);
      expect(raw.headers.get('retry-after')).toBe('1');
      expect(await raw.json()).toEqual({
        title: 'Request was throttled',
        detail: 'Request was throttled. Expected available in 1 second.',
        status: 429,
      });

      await client().predictions.create({ model: FLUX, input: { prompt: 'x' } });
      const stats = await (await fetch(`${emu.origin}/__emulator/stats`)).json();
      expect(stats).toMatchObject({ totals: { created: 1, throttled: 1 } });
      expect((await post('/__emulator/reset')).status).toBe(200);
      expect(emu.stats().totals.created).toBe(0);
      expect(emu.faults().throttleNext).toBe(0);
    });
  });

  it('draws reproducible latencies from the seed', async () => {
    const run = async () => {
      const durations: number[] = [];
      await withEmulator({ latencySeconds: 0.08, jitter: 0.5, seed: 7 }, async (_emu, client) => {
        const replicate = client();
        for (let i = 0; i < 3; i++) {
          const p = await pollTerminal(
            replicate,
            (await replicate.predictions.create({ model: FLUX, input: { prompt: `${i}` } })).id,
          );
          durations.push(Date.parse(p.completed_at!) - Date.parse(p.created_at));
        }
      });
      return durations;
    };
    const [first, second] = [await run(), await run()];
    for (const [i, d] of first.entries()) {
      expect(d).toBeGreaterThanOrEqual(38);
      expect(d).toBeLessThanOrEqual(140);
      expect(Math.abs(d - second[i]!)).toBeLessThan(25);
    }
  });
});
