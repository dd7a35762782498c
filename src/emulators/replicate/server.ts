/**
 * HTTP server and routing for the Replicate emulator (node:http only).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stableStringify } from '../../util/stableStringify.js';
import { Accounting, inputHash, type EmulatorStats, type TokenStats } from './accounting.js';
import { FaultInjector, parseFaultPatch, type FaultConfig } from './faults.js';
import { bearerToken, HttpError, readJson, sendJson, sendProblem } from './http.js';
import { BUILTIN_MODELS, ModelRegistry, type EmulatedModelSpec, type Resolution } from './models.js';
import { isValidToken, resolveOptions, type ReplicateEmulatorOptions } from './options.js';
import { PredictionStore } from './predictions.js';
import { createRng, type Rng } from './random.js';
import { WebhookSender, webhookSecretFor, webhookTarget } from './webhooks.js';

export interface ReplicateEmulator {
  /** API base URL, e.g. "http://127.0.0.1:PORT/v1" — pass as `baseUrl` to `new Replicate()`. */
  readonly url: string;
  /** "http://127.0.0.1:PORT" (admin endpoints and /files live here). */
  readonly origin: string;
  readonly port: number;
  /** Whole-emulator stats (tokens masked). */
  stats(): EmulatorStats;
  /** Stats for one token, looked up by its full value. */
  stats(token: string): TokenStats | undefined;
  /** Change faults at runtime; 'merge' (default) patches, 'replace' starts from no faults. */
  setFaults(patch: Partial<FaultConfig>, mode?: 'merge' | 'replace'): FaultConfig;
  faults(): FaultConfig;
  /** Drop predictions/files, zero stats, restore the construction-time faults and PRNG seeds. */
  reset(): void;
  registerModel(spec: EmulatedModelSpec): void;
  /** The `whsec_…` secret this account's webhooks are signed with (GET /v1/webhooks/default/secret). */
  webhookSecret(token: string): string;
  /** Prediction JSON as the API would return it (for assertions), or undefined. */
  prediction(id: string): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

const BODY_PASSTHROUGH = ['webhook', 'webhook_events_filter'] as const;
const PAGE_SIZE = 100;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const unauthenticated = () => new HttpError(401, 'Unauthenticated', 'You did not pass a valid authentication token');
const notFound = (detail = 'The requested resource could not be found.') => new HttpError(404, 'Not found', detail);

export async function startReplicateEmulator(options: ReplicateEmulatorOptions = {}): Promise<ReplicateEmulator> {
  const opts = resolveOptions(options);
  const registry = new ModelRegistry([...BUILTIN_MODELS, ...opts.models]);
  const accounting = new Accounting(opts.limitFor);
  const faults = new FaultInjector(opts.faults, opts.seed);
  let latencyRng: Rng = createRng(opts.seed);
  const webhooks = new WebhookSender(
    {
      send: opts.sendWebhooks,
      dropRate: opts.webhookDropRate,
      retryDelayMs: opts.webhookRetryDelayMs,
      seed: opts.seed,
    },
    accounting,
  );
  const store: PredictionStore = new PredictionStore(
    opts,
    accounting,
    () => latencyRng,
    (rec, events) => {
      const target = webhookTarget(rec.token, rec.extra);
      if (target) webhooks.notify(target, events, store.toJson(rec));
    },
  );

  function authenticate(req: IncomingMessage): string {
    const token = bearerToken(req);
    if (!isValidToken(opts, token)) {
      accounting.recordUnauthorized();
      throw unauthenticated();
    }
    return token;
  }

  async function createPrediction(req: IncomingMessage, res: ServerResponse, modelName: string | undefined) {
    const token = authenticate(req);
    const body = await readJson(req);
    const gate = faults.gateCreate();
    if (gate.kind === 'throttle') {
      accounting.recordThrottled(token);
      const s = gate.retryAfterSeconds;
      throw new HttpError(
        429,
        'Request was throttled',
        `Request was throttled. Expected available in ${s} second${s === 1 ? '' : 's'}.`,
        {
          'Retry-After': String(s),
        },
      );
    }
    if (gate.kind === 'server_error') {
      accounting.recordServerError(token);
      throw new HttpError(gate.status, 'Internal Server Error', 'An unexpected error occurred (emulated)');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'Bad Request', 'Request body must be a JSON object');
    }
    const b = body as Record<string, unknown>;
    const resolved: Resolution = modelName ? registry.resolveByModel(modelName) : registry.resolveByVersion(b.version);
    if (!resolved.ok) throw new HttpError(resolved.status, resolved.title, resolved.detail);
    const invalid = registry.validateInput(resolved.model, b.input);
    if (invalid !== undefined) throw new HttpError(422, 'Input validation failed', invalid);
    const input = b.input as Record<string, unknown>;
    const extra: Record<string, unknown> = {};
    for (const k of BODY_PASSTHROUGH) if (b[k] !== undefined) extra[k] = b[k];
    const rec = store.create({
      token,
      model: resolved.model,
      version: resolved.version,
      input,
      extra,
      origin: originOf(req),
      outcome: faults.decideOutcome(resolved.model.model, stableStringify(input)),
    });
    accounting.recordCreate(token, rec.id, rec.model, inputHash(input), rec.createdAt);
    sendJson(res, 201, store.toJson(rec));
  }

  function originOf(req: IncomingMessage): string {
    return `http://${req.headers.host ?? `${opts.host}:${port}`}`;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = /^\/models\/([^/]+\/[^/]+)\/predictions$/.exec(path))) {
      return createPrediction(req, res, safeDecode(m[1]!));
    }
    if (method === 'POST' && path === '/predictions') return createPrediction(req, res, undefined);
    const token = authenticate(req);
    if (method === 'GET') accounting.recordGet(token);
    if (method === 'GET' && path === '/webhooks/default/secret')
      return sendJson(res, 200, { key: webhookSecretFor(token) });
    if (method === 'GET' && path === '/predictions') {
      const all = store.list();
      const offset = Math.max(0, Number(url.searchParams.get('cursor') ?? 0) || 0);
      const next =
        offset + PAGE_SIZE < all.length
          ? `${originOf(req)}${opts.basePath}/predictions?cursor=${offset + PAGE_SIZE}`
          : null;
      const previous =
        offset > 0 ? `${originOf(req)}${opts.basePath}/predictions?cursor=${Math.max(0, offset - PAGE_SIZE)}` : null;
      return sendJson(res, 200, {
        previous,
        next,
        results: all.slice(offset, offset + PAGE_SIZE).map((r) => store.toJson(r)),
      });
    }
    if (method === 'GET' && (m = /^\/predictions\/([^/]+)$/.exec(path))) {
      const rec = store.get(m[1]!);
      if (!rec) throw notFound();
      return sendJson(res, 200, store.toJson(rec));
    }
    if (method === 'POST' && (m = /^\/predictions\/([^/]+)\/cancel$/.exec(path))) {
      accounting.recordCancelCall();
      const rec = store.cancel(m[1]!);
      if (!rec) throw notFound();
      return sendJson(res, 200, store.toJson(rec));
    }
    throw notFound();
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/__emulator/stats' && method === 'GET') return sendJson(res, 200, accounting.snapshot());
    if (path === '/__emulator/faults' && method === 'GET') return sendJson(res, 200, faults.current);
    if (path === '/__emulator/faults' && method === 'POST') {
      let patch: Partial<FaultConfig>;
      try {
        patch = parseFaultPatch(await readJson(req));
      } catch (e) {
        if (e instanceof HttpError) throw e;
        throw new HttpError(422, 'Invalid faults', (e as Error).message);
      }
      return sendJson(res, 200, faults.set(patch, url.searchParams.get('mode') === 'replace' ? 'replace' : 'merge'));
    }
    if (path === '/__emulator/reset' && method === 'POST') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    throw notFound();
  }

  function handleFile(req: IncomingMessage, res: ServerResponse, id: string, name: string): void {
    const file = store.file(id, name);
    if (file === undefined || file === 'expired') {
      throw notFound(file === 'expired' ? 'This file has expired and was deleted.' : undefined);
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': file.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : file);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((req.method === 'GET' || req.method === 'HEAD') && (m = /^\/files\/([^/]+)\/([^/]+)$/.exec(path))) {
      return handleFile(req, res, m[1]!, m[2]!);
    }
    if (path.startsWith('/__emulator/')) return handleAdmin(req, res, path, url);
    if (path === opts.basePath || path.startsWith(`${opts.basePath}/`)) {
      return handleApi(req, res, path.slice(opts.basePath.length) || '/', url);
    }
    throw notFound();
  }

  function reset(): void {
    webhooks.stop();
    store.clear();
    accounting.reset();
    faults.reset();
    latencyRng = createRng(opts.seed);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = err instanceof HttpError ? err : new HttpError(500, 'Internal Server Error', String(err));
      // Drain any unread body so keep-alive connections stay usable.
      req.resume();
      sendProblem(res, e);
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const origin = `http://${hostForUrl}:${port}`;

  function stats(): EmulatorStats;
  function stats(token: string): TokenStats | undefined;
  function stats(token?: string): EmulatorStats | TokenStats | undefined {
    return token === undefined ? accounting.snapshot() : accounting.forToken(token);
  }

  return {
    url: `${origin}${opts.basePath}`,
    origin,
    port,
    stats,
    setFaults: (patch, mode = 'merge') => faults.set(parseFaultPatch(patch), mode),
    faults: () => faults.current,
    reset,
    registerModel: (spec) => void registry.register(spec),
    webhookSecret: webhookSecretFor,
    prediction: (id) => {
      const rec = store.get(id);
      return rec ? store.toJson(rec) : undefined;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        webhooks.stop();
        store.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
