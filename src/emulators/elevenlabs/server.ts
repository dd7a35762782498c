/**
 * HTTP server and routing for the ElevenLabs emulator (node:http only). Paths, query parameters
 * and bodies are the real API's (https://api.elevenlabs.io), so `new ElevenLabsClient({ apiKey,
 * baseUrl: emulator.url })` works unchanged; /__emulator/* is the emulator's own admin API.
 */
import { listenOn } from '../listen.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { readJson, sendJson } from '../replicate/http.js';
import { Accounting, type ElevenLabsStats, type KeyStats } from './accounting.js';
import { BUILTIN_VOICES, MODELS, modelJson, voiceJson, type EmulatedVoice } from './catalog.js';
import * as errors from './errors.js';
import { FaultInjector, parseFaultPatch, type FaultConfig } from './faults.js';
import { resolveOptions, type ElevenLabsEmulatorOptions } from './options.js';
import { Synthesizer } from './synth.js';
import { handleTts, type TtsContext, type TtsMode } from './tts.js';

export interface ElevenLabsEmulator {
  /** Base URL for the client, e.g. "http://127.0.0.1:PORT" (the client adds "/v1/…" itself). */
  readonly url: string;
  /** The same origin; admin endpoints live under /__emulator. */
  readonly origin: string;
  readonly port: number;
  /** Whole-emulator stats (keys masked). */
  stats(): ElevenLabsStats;
  /** Stats for one key, looked up by its full value. */
  stats(key: string): KeyStats | undefined;
  /** Change faults at runtime; 'merge' (default) patches, 'replace' starts from no faults. */
  setFaults(patch: Partial<FaultConfig>, mode?: 'merge' | 'replace'): FaultConfig;
  faults(): FaultConfig;
  /** Zero stats and billing, restore the construction-time faults. */
  reset(): void;
  close(): Promise<void>;
}

const TTS_ROUTE = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?(\/with-timestamps)?$/;
const TTS_MODES: Record<string, TtsMode> = {
  '': 'audio',
  '/stream': 'stream',
  '/with-timestamps': 'timestamps',
  '/stream/with-timestamps': 'stream-timestamps',
};
/** What GET /v1/user/subscription reports as the limit of a key without one. */
const UNLIMITED_CREDITS = 1_000_000_000;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export async function startElevenLabsEmulator(options: ElevenLabsEmulatorOptions = {}): Promise<ElevenLabsEmulator> {
  const opts = resolveOptions(options);
  const accounting = new Accounting();
  const faults = new FaultInjector(opts.faults);
  const voices = new Map<string, EmulatedVoice>([...BUILTIN_VOICES, ...opts.voices].map((v) => [v.voice_id, v]));
  let requestCounter = 0;
  const tts: TtsContext = {
    opts,
    accounting,
    faults,
    synth: new Synthesizer(opts.tools, opts.pauses),
    voice: (id) => voices.get(id),
    nextRequestId: () => `emu${String(++requestCounter).padStart(17, '0')}`,
  };

  /** The key, or a 401 in the API's words. `optional`: GET /v1/voices also answers without one. */
  function authenticate(req: IncomingMessage, optional = false): string | undefined {
    const raw = req.headers['xi-api-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (key === undefined || key === '') {
      if (optional) return undefined;
      accounting.recordUnauthorized();
      throw errors.needsAuthorization();
    }
    if (!opts.isValidKey(key)) {
      accounting.recordUnauthorized();
      throw errors.invalidApiKey();
    }
    accounting.entry(key).requests += 1;
    return key;
  }

  function subscription(key: string): Record<string, unknown> {
    return {
      tier: 'creator',
      character_count: accounting.entry(key).credits,
      character_limit: opts.creditLimitFor(key) ?? UNLIMITED_CREDITS,
      max_character_limit_extension: 0,
      can_extend_character_limit: false,
      allowed_to_extend_character_limit: false,
      max_credit_limit_extension: 0,
      voice_slots_used: 0,
      professional_voice_slots_used: 0,
      professional_voice_slots_used_in_workspace: 0,
      voice_limit: 30,
      voice_add_edit_counter: 0,
      professional_voice_limit: 1,
      can_extend_voice_limit: false,
      can_use_instant_voice_cloning: true,
      can_use_professional_voice_cloning: true,
      currency: 'usd',
      status: 'active',
      billing_period: 'monthly_period',
      character_refresh_period: 'monthly_period',
      current_overage: { amount: '0', currency: 'usd' },
      open_invoices: [],
      has_open_invoices: false,
    };
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    const path = url.pathname;
    const tts_ = method === 'POST' ? TTS_ROUTE.exec(path) : null;
    if (tts_) {
      const suffix = `${tts_[2] ?? ''}${tts_[3] ?? ''}`;
      const endpoint = `POST /v1/text-to-speech/{voice_id}${suffix}`;
      accounting.recordRequest(endpoint);
      const key = authenticate(req)!;
      return handleTts(tts, req, res, key, safeDecode(tts_[1]!), TTS_MODES[suffix]!, url, endpoint);
    }
    const voiceMatch = /^\/v1\/voices\/([^/]+)$/.exec(path);
    const endpoint =
      method === 'GET' && voiceMatch
        ? 'GET /v1/voices/{voice_id}'
        : `${method} ${path.startsWith('/v1/') ? path : '(other)'}`;
    accounting.recordRequest(endpoint);
    if (method === 'GET' && path === '/v1/voices') {
      authenticate(req, true);
      return sendJson(res, 200, {
        voices: [...voices.values()].map(voiceJson),
        has_more: false,
        total_count: voices.size,
      });
    }
    if (method === 'GET' && voiceMatch) {
      authenticate(req);
      const voice = voices.get(safeDecode(voiceMatch[1]!));
      if (!voice) throw errors.voiceNotFound(safeDecode(voiceMatch[1]!));
      return sendJson(res, 200, voiceJson(voice));
    }
    if (method === 'GET' && path === '/v1/models') {
      authenticate(req);
      return sendJson(res, 200, MODELS.map(modelJson));
    }
    if (method === 'GET' && path === '/v1/user/subscription') {
      return sendJson(res, 200, subscription(authenticate(req)!));
    }
    throw errors.routeNotFound();
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    const path = url.pathname;
    if (path === '/__emulator/stats' && method === 'GET') return sendJson(res, 200, accounting.snapshot());
    if (path === '/__emulator/faults' && method === 'GET') return sendJson(res, 200, faults.current);
    if (path === '/__emulator/faults' && method === 'POST') {
      let patch: Partial<FaultConfig>;
      try {
        patch = parseFaultPatch(await readJson(req));
      } catch (e) {
        throw new errors.ApiError(422, { detail: (e as Error).message });
      }
      return sendJson(res, 200, faults.set(patch, url.searchParams.get('mode') === 'replace' ? 'replace' : 'merge'));
    }
    if (path === '/__emulator/reset' && method === 'POST') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    throw errors.routeNotFound();
  }

  function reset(): void {
    accounting.reset();
    faults.reset();
  }

  /** Anything a handler throws becomes an API error body; a bug in the emulator becomes a 500. */
  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent) return void res.destroy();
    if (!(err instanceof errors.ApiError)) console.error(`elevenlabs emulator: ${String(err)}`);
    req.resume(); // drain an unread body, so the keep-alive connection stays usable
    errors.sendError(res, err instanceof errors.ApiError ? err : errors.somethingWentWrong());
  }

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    const admin = url.pathname.startsWith('/__emulator/');
    if (!admin) res.on('finish', () => accounting.recordStatus(res.statusCode));
    (admin ? handleAdmin : handleApi)(req, res, method, url).catch((err: unknown) => fail(req, res, err));
  });
  const { port, origin } = await listenOn(server, opts.host, opts.port);

  function stats(): ElevenLabsStats;
  function stats(key: string): KeyStats | undefined;
  function stats(key?: string): ElevenLabsStats | KeyStats | undefined {
    return key === undefined ? accounting.snapshot() : accounting.forKey(key);
  }

  return {
    url: origin,
    origin,
    port,
    stats,
    setFaults: (patch, mode = 'merge') => faults.set(parseFaultPatch(patch), mode),
    faults: () => faults.current,
    reset,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
