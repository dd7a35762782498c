/**
 * HTTP server and routing for the Replicate emulator (node:http only).
 */
import { listenOn } from '../listen.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { stableStringify } from '../../util/stableStringify.js';
import { Accounting, inputHash, type EmulatorStats, type TokenStats } from './accounting.js';
import { FaultInjector, parseFaultPatch, type FaultConfig, type Outcome } from './faults.js';
import { readUpload, UploadStore } from './files.js';
import { bearerToken, HttpError, readJson, sendBytes, sendJson, sendProblem } from './http.js';
import { type InputFile, type InputSources, resolveInputFile } from './inputs.js';
import { runtimeProblem } from './media.js';
import {
  BUILTIN_MODELS,
  type EmulatedModel,
  ModelRegistry,
  type EmulatedModelSpec,
  type Resolution,
} from './models.js';
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
  /**
   * A signed download link for an uploaded file (`/v1/files/{id}/download?expiry=&owner=&signature=`,
   * as Replicate signs them), valid `seconds` (default 3600); undefined when there is no such file.
   */
  signedFileUrl(fileId: string, seconds?: number): string | undefined;
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

/** The file input a model reads, first of its image fields that the input sets. */
function fileField(model: EmulatedModel, input: Record<string, unknown>): string | undefined {
  if (model.media.kind !== 'video') return undefined;
  return model.media.video.imageFields.find((f) => input[f] !== undefined && input[f] !== null && input[f] !== '');
}

/** A failure the model itself reports (its input could not be read, or it rejects it at run time). */
function modelFailure(error: string): Outcome {
  return {
    kind: 'model_error',
    error,
    logs: `Traceback (most recent call last):\n  File "/src/predict.py", line 42, in predict\n${error}\n`,
  };
}

const unauthenticated = () => new HttpError(401, 'Unauthenticated', 'You did not pass a valid authentication token');
const notFound = (detail = 'The requested resource could not be found.') => new HttpError(404, 'Not found', detail);

export async function startReplicateEmulator(options: ReplicateEmulatorOptions = {}): Promise<ReplicateEmulator> {
  const opts = resolveOptions(options);
  const registry = new ModelRegistry([...BUILTIN_MODELS, ...opts.models]);
  const accounting = new Accounting(opts.limitFor);
  const uploads = new UploadStore(opts.uploadTtlSeconds);
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
    if (invalid !== undefined) {
      throw new HttpError(
        422,
        'Input validation failed',
        invalid.detail,
        {},
        { invalid_fields: invalid.invalidFields },
      );
    }
    const input = b.input as Record<string, unknown>;
    const extra: Record<string, unknown> = {};
    for (const k of BODY_PASSTHROUGH) if (b[k] !== undefined) extra[k] = b[k];
    let outcome = faults.decideOutcome(resolved.model.model, stableStringify(input));
    const field = fileField(resolved.model, input);
    let inputFile: InputFile | undefined;
    if (field !== undefined) {
      const file = resolveInputFile(field, input[field], token, inputSources);
      if (file.ok) inputFile = file.file;
      else if (outcome.kind === 'succeed') outcome = modelFailure(file.error);
    }
    const problem = runtimeProblem(resolved.model, input);
    if (problem !== undefined && outcome.kind === 'succeed') outcome = modelFailure(problem);
    const rec = store.create({
      token,
      model: resolved.model,
      version: resolved.version,
      input,
      extra,
      origin: originOf(req),
      outcome,
      ...(inputFile ? { inputFile } : {}),
    });
    accounting.recordCreate(token, rec.id, rec.model, inputHash(input), rec.createdAt);
    sendJson(res, 201, store.toJson(rec));
  }

  function originOf(req: IncomingMessage): string {
    return `http://${req.headers.host ?? `${opts.host}:${port}`}`;
  }

  const inputSources: InputSources = {
    basePath: opts.basePath,
    isOwn: (url) =>
      url.port === String(port) &&
      ['127.0.0.1', 'localhost', '[::1]', opts.host, new URL(origin).hostname].includes(url.hostname.toLowerCase()),
    upload: (id, token) => uploads.get(id, token)?.bytes,
    output: (id, name) => {
      const first = store.file(id, name);
      if (first === undefined || first === 'expired') return undefined;
      first.catch(() => {}); // awaited by whoever loads it; a failure is theirs to report
      return async () => {
        const again = store.file(id, name);
        if (again === undefined || again === 'expired') throw new Error(`/files/${id}/${name} has expired`);
        return (await again).bytes;
      };
    },
  };

  async function handleFiles(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if ((method === 'GET' || method === 'HEAD') && (m = /^\/files\/([^/]+)\/download$/.exec(path))) {
      // Signed links need no token (as on Replicate); the owner's own token also opens the file.
      const rec = uploads.get(safeDecode(m[1]!));
      const token = bearerToken(req);
      const allowed =
        rec !== undefined &&
        (uploads.verify(rec, url.searchParams) || (isValidToken(opts, token) && token === rec.token));
      if (!rec) throw notFound();
      if (!allowed) {
        if (url.searchParams.has('signature'))
          throw new HttpError(403, 'Forbidden', 'The signature is invalid or has expired');
        accounting.recordUnauthorized();
        throw unauthenticated();
      }
      if (token && isValidToken(opts, token)) accounting.recordGet(token);
      sendBytes(req, res, rec.bytes, rec.contentType);
      return true;
    }
    if (path !== '/files' && !path.startsWith('/files/')) return false;
    const token = authenticate(req);
    if (method === 'POST' && path === '/files') {
      const upload = await readUpload(req, opts.maxUploadBytes);
      const rec = uploads.create(token, upload);
      accounting.recordUpload(token, rec.bytes.length);
      sendJson(res, 201, uploads.toJson(rec, `${originOf(req)}${opts.basePath}`));
      return true;
    }
    if (method === 'GET') accounting.recordGet(token);
    if (method === 'GET' && path === '/files') {
      const results = uploads.list(token).map((r) => uploads.toJson(r, `${originOf(req)}${opts.basePath}`));
      sendJson(res, 200, { previous: null, next: null, results });
      return true;
    }
    m = /^\/files\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const rec = uploads.get(safeDecode(m[1]!), token);
      if (!rec) throw notFound();
      sendJson(res, 200, uploads.toJson(rec, `${originOf(req)}${opts.basePath}`));
      return true;
    }
    if (m && method === 'DELETE') {
      if (!uploads.delete(safeDecode(m[1]!), token)) throw notFound();
      res.writeHead(204).end();
      return true;
    }
    throw notFound();
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (await handleFiles(req, res, path, url)) return;
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

  async function handleFile(req: IncomingMessage, res: ServerResponse, id: string, name: string): Promise<void> {
    const file = store.file(id, name);
    if (file === undefined || file === 'expired') {
      throw notFound(file === 'expired' ? 'This file has expired and was deleted.' : undefined);
    }
    const { bytes, contentType } = await file;
    sendBytes(req, res, bytes, contentType);
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
    uploads.clear();
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
  const { port, origin } = await listenOn(server, opts.host, opts.port);

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
    signedFileUrl: (fileId, seconds = 3600) => {
      const rec = uploads.get(fileId);
      return rec && `${origin}${opts.basePath}/files/${rec.id}/download?${uploads.signedQuery(rec, seconds)}`;
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
