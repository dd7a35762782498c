/**
 * Start-up of the Replicate emulator (node:http only): its state, the top-level dispatch to the
 * routes (apiRoutes.ts, fileRoutes.ts, adminRoutes.ts) and the handle a test or the CLI holds.
 */
import { listenOn } from '../listen.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Accounting, type EmulatorStats, type TokenStats } from './accounting.js';
import { handleAdmin } from './adminRoutes.js';
import { handleApi } from './apiRoutes.js';
import { BUILTIN_MODELS } from './builtinModels.js';
import { FaultInjector, parseFaultPatch, type FaultConfig } from './faults.js';
import { handleOutputFile } from './fileRoutes.js';
import { UploadStore } from './files.js';
import { HttpError, sendProblem } from './http.js';
import type { InputSources } from './inputs.js';
import { ModelRegistry } from './modelRegistry.js';
import type { EmulatedModelSpec } from './models.js';
import { resolveOptions, type ReplicateEmulatorOptions } from './options.js';
import { PredictionStore } from './predictions.js';
import { createRng, type Rng } from './random.js';
import { type EmulatorContext, notFound } from './routeContext.js';
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

  const context: EmulatorContext = {
    opts,
    registry,
    accounting,
    uploads,
    faults,
    store,
    inputSources,
    originOf,
    reset,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((req.method === 'GET' || req.method === 'HEAD') && (m = /^\/files\/([^/]+)\/([^/]+)$/.exec(path))) {
      return handleOutputFile(context, req, res, m[1]!, m[2]!);
    }
    if (path.startsWith('/__emulator/')) return handleAdmin(context, req, res, path, url);
    if (path === opts.basePath || path.startsWith(`${opts.basePath}/`)) {
      return handleApi(context, req, res, path.slice(opts.basePath.length) || '/', url);
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
