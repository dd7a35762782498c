/**
 * HTTP server and routing for the OpenAI-compatible emulator (node:http only). Every /v1 request
 * goes: key check → body → status faults → model → latency → answer, and is logged with its status.
 */
import { listenOn } from '../listen.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJson, sendJson } from '../replicate/http.js';
import { Accounting, type OpenAiEmulatorStats, type RequestLogEntry } from './accounting.js';
import { answerChat, checkFormat, classify, completion, parseChatBody } from './chat.js';
import {
  badRequest,
  invalidKey,
  modelNotFound,
  rateLimited,
  routeNotFound,
  sendError,
  serverError,
  toOpenAiError,
} from './errors.js';
import { FaultState, parseFaultPatch, type Endpoint, type FaultConfig, type FaultPatch } from './faults.js';
import { ModelCatalog, type ModelChoice } from './models.js';
import { checkKey, resolveOptions, type OpenAiEmulatorOptions } from './options.js';
import { parseSpeechBody, SPEECH_FORMATS, synthesize } from './speech.js';

export interface OpenAiEmulator {
  /** API base URL, e.g. "http://127.0.0.1:PORT/v1": pass it as `baseURL` to `new OpenAI()`. */
  readonly url: string;
  /** "http://127.0.0.1:PORT" (the admin endpoints live under /__emulator). */
  readonly origin: string;
  readonly port: number;
  /** Everything counted since start or the last reset (keys masked). */
  stats(): OpenAiEmulatorStats;
  /** Change faults at runtime; 'merge' (default) patches, 'replace' starts from no faults. */
  setFaults(patch: FaultPatch, mode?: 'merge' | 'replace'): FaultConfig;
  faults(): FaultConfig;
  /** Zero the stats and restore the construction-time faults. */
  reset(): void;
  close(): Promise<void>;
}

type Context = Omit<RequestLogEntry, 'status' | 'key' | 'method' | 'path'> & { key: string | undefined };

const ROUTES: { method: string; pattern: RegExp; endpoint: Endpoint }[] = [
  { method: 'GET', pattern: /^\/models$/, endpoint: 'models' },
  { method: 'GET', pattern: /^\/models\/(.+)$/, endpoint: 'models' },
  { method: 'POST', pattern: /^\/chat\/completions$/, endpoint: 'chat' },
  { method: 'POST', pattern: /^\/audio\/speech$/, endpoint: 'speech' },
];

export async function startOpenAiEmulator(options: OpenAiEmulatorOptions = {}): Promise<OpenAiEmulator> {
  const opts = resolveOptions(options);
  const catalog = new ModelCatalog(opts.models);
  const faults = new FaultState(opts.faults);
  const accounting = new Accounting();
  const closing = new AbortController();
  let requestSeq = 0;
  let served = 0;

  function resolveModel(ctx: Context, id: string): ModelChoice {
    ctx.model = id;
    const choice = catalog.resolve(id);
    if (!choice) throw modelNotFound(id);
    return choice;
  }

  async function delay(endpoint: Endpoint, choice: ModelChoice | undefined, signal: AbortSignal): Promise<void> {
    const ms = faults.latencyFor(endpoint) + (choice?.slow ? opts.slowMs : 0);
    if (ms > 0) await sleep(ms, undefined, { signal });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, ctx: Context, signal: AbortSignal) {
    const method = req.method ?? 'GET';
    const route = ROUTES.find((r) => r.method === method && r.pattern.test(path));
    ctx.endpoint = route?.endpoint ?? 'other';
    const auth = checkKey(opts, req.headers.authorization);
    ctx.key = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
    if (!auth.ok) throw invalidKey(ctx.key);
    const body = method === 'POST' ? await readJson(req) : undefined;
    const named = (body as { model?: unknown } | undefined)?.model;
    if (typeof named === 'string') ctx.model = named;
    const gate = faults.gate();
    if (gate.kind === 'unauthorized') throw invalidKey(ctx.key);
    if (gate.kind === 'rate_limit') throw rateLimited(ctx.model ?? undefined, gate.retryAfterSeconds);
    if (gate.kind === 'server_error') throw serverError();
    if (!route) throw routeNotFound(method, path);

    if (route.endpoint === 'models') {
      const id = route.pattern.exec(path)?.[1];
      if (id === undefined) {
        await delay('models', undefined, signal);
        return sendJson(res, 200, { object: 'list', data: catalog.list() });
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(id);
      } catch {
        throw modelNotFound(id);
      }
      const choice = resolveModel(ctx, decoded);
      await delay('models', choice, signal);
      return sendJson(res, 200, catalog.object(choice.id));
    }
    if (route.endpoint === 'chat') {
      const chat = parseChatBody(body);
      const choice = resolveModel(ctx, chat.model);
      const fault = choice.planFault ?? faults.current.plan ?? undefined;
      ctx.fault = fault ?? null;
      ctx.responseFormat = chat.response_format?.type ?? 'none';
      const { found, repair } = classify(chat);
      Object.assign(ctx, { plan: found?.ok === true, repair });
      const answer = answerChat(chat, checkFormat(chat, fault), fault);
      await delay('chat', choice, signal);
      const body200 = completion(chat, answer, ++requestSeq);
      accounting.recordUsage(body200.usage.prompt_tokens, body200.usage.completion_tokens);
      return sendJson(res, 200, body200);
    }
    const speech = parseSpeechBody(body);
    const choice = resolveModel(ctx, speech.model);
    const [audio] = await Promise.all([synthesize(opts, speech, signal), delay('speech', choice, signal)]);
    accounting.recordSpeech(audio.length);
    res.writeHead(200, { 'Content-Type': SPEECH_FORMATS[speech.format].contentType, 'Content-Length': audio.length });
    res.end(audio);
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/__emulator/stats' && method === 'GET') return sendJson(res, 200, accounting.snapshot());
    if (path === '/__emulator/faults' && method === 'GET') return sendJson(res, 200, faults.current);
    if (path === '/__emulator/faults' && method === 'POST') {
      let patch: FaultPatch;
      try {
        patch = parseFaultPatch(await readJson(req));
      } catch (e) {
        return sendError(res, toOpenAiError(e instanceof Error ? badRequest(e.message, 'faults') : e));
      }
      return sendJson(res, 200, faults.set(patch, url.searchParams.get('mode') === 'replace' ? 'replace' : 'merge'));
    }
    if (path === '/__emulator/reset' && method === 'POST') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    throw routeNotFound(method, path);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    if (path.startsWith('/__emulator/')) return handleAdmin(req, res, path, url);
    if (path !== '/v1' && !path.startsWith('/v1/')) throw routeNotFound(req.method ?? 'GET', path);
    // Aborted when the client goes away or the emulator closes: ends waits and kills audio tools.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const signal = AbortSignal.any([gone.signal, closing.signal]);
    const ctx: Context = {
      endpoint: 'other',
      model: null,
      responseFormat: null,
      key: undefined,
      plan: false,
      repair: false,
      fault: null,
    };
    res.setHeader('x-request-id', `req_${(++served).toString(16).padStart(12, '0')}`);
    res.setHeader('openai-version', '2020-10-01');
    try {
      await handleApi(req, res, path.slice(3) || '/', ctx, signal);
    } catch (err) {
      if (signal.aborted) return void record(req, path, ctx, 499);
      fail(req, res, err);
    }
    record(req, path, ctx, res.statusCode);
  }

  function record(req: IncomingMessage, path: string, ctx: Context, status: number): void {
    accounting.record({ method: req.method ?? 'GET', path, ...ctx, status });
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.destroy();
    // Drain any unread body so keep-alive connections stay usable.
    req.resume();
    sendError(res, toOpenAiError(err));
  }

  function reset(): void {
    accounting.reset();
    faults.reset();
    requestSeq = 0;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(req, res, err));
  });
  const { port, origin } = await listenOn(server, opts.host, opts.port);

  return {
    url: `${origin}/v1`,
    origin,
    port,
    stats: () => accounting.snapshot(),
    setFaults: (patch, mode = 'merge') => faults.set(parseFaultPatch(patch), mode),
    faults: () => faults.current,
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
