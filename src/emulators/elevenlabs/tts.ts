/**
 * POST /v1/text-to-speech/{voice_id}[/stream][/with-timestamps]: validate like the API, pass the
 * fault, quota and concurrency gates, speak, bill, answer in the requested shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Language } from '../../domain/shortRequest.js';
import { detectLanguage } from '../../text/language.js';
import { HttpError, readJson, sendJson } from '../replicate/http.js';
import type { Accounting } from './accounting.js';
import { DEFAULT_MODEL_ID, espeakVariant, MODELS, type EmulatedVoice } from './catalog.js';
import * as errors from './errors.js';
import type { FaultInjector } from './faults.js';
import { DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS, parseOutputFormat } from './formats.js';
import type { ResolvedOptions } from './options.js';
import type { Synthesizer } from './synth.js';

export type TtsMode = 'audio' | 'stream' | 'timestamps' | 'stream-timestamps';

export interface TtsContext {
  opts: ResolvedOptions;
  accounting: Accounting;
  faults: FaultInjector;
  synth: Synthesizer;
  voice: (id: string) => EmulatedVoice | undefined;
  nextRequestId: () => string;
}

const ESPEAK_VOICE: Record<Language, string> = { en: 'en-us', ru: 'ru', zh: 'cmn', ko: 'ko', ja: 'ja' };

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (e) {
    if (e instanceof HttpError && e.status === 413) throw new errors.ApiError(413, { detail: e.detail });
    throw errors.validationError(['body', 0], 'JSON decode error', 'json_invalid', {});
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw errors.validationError(['body'], 'Input should be a valid dictionary', 'dict_type', body);
  return body as Record<string, unknown>;
}

/** voice_settings.speed: the API accepts 0.7–1.2; the emulator clamps instead of refusing. */
function speedOf(settings: unknown): number {
  const speed = (settings as { speed?: unknown } | null | undefined)?.speed;
  if (speed === undefined || speed === null) return 1;
  if (typeof speed !== 'number' || !Number.isFinite(speed))
    throw errors.validationError(
      ['body', 'voice_settings', 'speed'],
      'Input should be a valid number',
      'float_type',
      speed,
    );
  return Math.min(1.2, Math.max(0.7, speed));
}

function languageOf(code: unknown, text: string): Language {
  // language_code is a hint the real service ignores when the model cannot use it; we can use ours.
  const base = typeof code === 'string' ? code.toLowerCase().split(/[-_]/)[0] : undefined;
  return base && base in ESPEAK_VOICE ? (base as Language) : detectLanguage(text);
}

export async function handleTts(
  ctx: TtsContext,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  voiceId: string,
  mode: TtsMode,
  url: URL,
  endpoint: string,
): Promise<void> {
  const { opts, accounting, faults } = ctx;
  const voice = ctx.voice(voiceId);
  if (!voice) throw errors.voiceNotFound(voiceId);
  const formatName = url.searchParams.get('output_format') ?? DEFAULT_OUTPUT_FORMAT;
  const format = parseOutputFormat(formatName);
  if (!format) {
    const allowed = OUTPUT_FORMATS.map((f) => `'${f}'`).join(', ');
    throw errors.validationError(['query', 'output_format'], `Input should be ${allowed}`, 'enum', formatName);
  }
  const body = await readBody(req);
  if (body.text === undefined) throw errors.validationError(['body', 'text'], 'Field required', 'missing', body);
  if (typeof body.text !== 'string')
    throw errors.validationError(['body', 'text'], 'Input should be a valid string', 'string_type', body.text);
  const text = body.text;
  const modelId = typeof body.model_id === 'string' ? body.model_id : DEFAULT_MODEL_ID;
  const model = MODELS.find((m) => m.model_id === modelId);
  if (!model) throw errors.modelNotFound(modelId);
  const characters = Array.from(text).length;
  if (characters > model.maxCharacters) throw errors.textTooLong(characters, model.maxCharacters);
  const speed = speedOf(body.voice_settings);

  const limit = opts.concurrencyLimitFor(key);
  const gate = faults.gate();
  if (gate.kind === 'rate_limit') {
    accounting.recordRefusal(key, 'rateLimited');
    const headers: Record<string, string> =
      gate.retryAfterSeconds !== undefined ? { 'Retry-After': String(gate.retryAfterSeconds) } : {};
    throw gate.status === 'system_busy'
      ? errors.systemBusy(headers)
      : errors.tooManyConcurrentRequests(limit ?? 5, headers);
  }
  if (gate.kind === 'server_error') {
    accounting.recordRefusal(key, 'serverErrors');
    throw errors.somethingWentWrong();
  }

  const credits = Math.ceil(characters * model.costPerCharacter);
  const quota = opts.creditLimitFor(key);
  const committed = accounting.committed(key);
  if (quota !== undefined && committed + credits > quota) {
    accounting.recordRefusal(key, 'quotaExceeded');
    throw errors.quotaExceeded(quota, Math.max(0, quota - committed), credits);
  }
  if (!accounting.acquire(key, limit, endpoint)) throw errors.tooManyConcurrentRequests(limit!);
  accounting.reserve(key, credits);
  const inFlight = accounting.entry(key).inFlight;
  try {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const espeakVoice = ESPEAK_VOICE[languageOf(body.language_code, text)] + espeakVariant(voice);
    const wordsPerMinute = Math.round(opts.wordsPerMinute * speed);
    let speech;
    try {
      speech = await ctx.synth.speak({ text, espeakVoice, wordsPerMinute, format });
    } catch (err) {
      // The emulator's own failure (a tool missing, say): answer like the service, say why on stderr.
      console.error(`elevenlabs emulator: synthesis failed: ${(err as Error).message}`);
      accounting.recordRefusal(key, 'serverErrors');
      throw errors.somethingWentWrong();
    }
    accounting.recordSynthesis(key, {
      endpoint,
      voiceId,
      modelId,
      outputFormat: format.name,
      espeakVoice,
      characters,
      credits,
      durationSec: speech.durationSec,
    });
    const requestId = ctx.nextRequestId();
    // Headers the real service sends with audio (request-id, character-cost, concurrency counters).
    const headers: Record<string, string> = {
      'request-id': requestId,
      'history-item-id': requestId,
      'character-cost': String(credits),
      'current-concurrent-requests': String(inFlight),
      ...(limit !== undefined ? { 'maximum-concurrent-requests': String(limit) } : {}),
    };
    const timestamps = {
      audio_base64: speech.audio.toString('base64'),
      alignment: speech.alignment,
      normalized_alignment: speech.normalizedAlignment,
    };
    if (mode === 'timestamps') return sendJson(res, 200, timestamps, headers);
    if (mode === 'audio') {
      res.writeHead(200, { ...headers, 'Content-Type': format.contentType, 'Content-Length': speech.audio.length });
      res.end(speech.audio);
      return;
    }
    // Streams go out chunked. The timestamped stream is newline-delimited JSON; we send the whole
    // clip as one chunk, which is a valid stream (times are absolute either way).
    res.writeHead(200, { ...headers, 'Content-Type': mode === 'stream' ? format.contentType : 'application/json' });
    if (mode === 'stream-timestamps') res.end(`${JSON.stringify(timestamps)}\n`);
    else {
      for (let at = 0; at < speech.audio.length; at += 16_384) res.write(speech.audio.subarray(at, at + 16_384));
      res.end();
    }
  } finally {
    accounting.unreserve(key, credits);
    accounting.release(key);
  }
}
