/**
 * Options for the OpenAI-compatible emulator and their defaults.
 */
import { parseFaultPatch, PLAN_FAULTS, type FaultPatch } from './faults.js';

export interface OpenAiEmulatorOptions {
  /** Listen host. Default "127.0.0.1". */
  host?: string;
  /** Listen port. Default 0 (ephemeral). */
  port?: number;
  /** Valid API keys. Default: any non-empty key. */
  keys?: readonly string[];
  /** Accept requests without an Authorization header (Ollama, llama.cpp and LM Studio do). Default false. */
  keyless?: boolean;
  /** Model ids served besides the fault names. Default DEFAULT_MODELS. */
  models?: readonly string[];
  /** Initial faults (restored by reset()). */
  faults?: FaultPatch;
  /** Extra wait of a `…:slow` model, in ms. Default 1000. */
  slowMs?: number;
  /** espeak-ng binary. Default "espeak-ng" (from PATH). */
  espeakPath?: string;
  /** ffmpeg binary. Default "ffmpeg" (from PATH). */
  ffmpegPath?: string;
}

/** Chat models most configs name, a local planner name, and the text-to-speech models. */
export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o-mini',
  'llama3.1',
  'emulator-planner',
  'tts-1',
  'gpt-4o-mini-tts',
];

export interface ResolvedOptions {
  host: string;
  port: number;
  keys: ReadonlySet<string> | undefined;
  keyless: boolean;
  /** Served model ids, fault names included, in listing order. */
  models: readonly string[];
  faults: FaultPatch;
  slowMs: number;
  espeakPath: string;
  ffmpegPath: string;
}

export function resolveOptions(o: OpenAiEmulatorOptions = {}): ResolvedOptions {
  const slowMs = o.slowMs ?? 1000;
  if (!Number.isFinite(slowMs) || slowMs < 0)
    throw new RangeError(`openai emulator: slowMs must be >= 0 (got ${slowMs})`);
  if (o.keys && o.keys.some((k) => k === '')) throw new RangeError('openai emulator: keys must be non-empty');
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    keys: o.keys ? new Set(o.keys) : undefined,
    keyless: o.keyless ?? false,
    models: [...new Set([...(o.models ?? DEFAULT_MODELS), ...PLAN_FAULTS])],
    // Validated here so a typo in a test's options fails at start, not on the first request.
    faults: parseFaultPatch(o.faults ?? {}),
    slowMs,
    espeakPath: o.espeakPath ?? 'espeak-ng',
    ffmpegPath: o.ffmpegPath ?? 'ffmpeg',
  };
}

export type KeyCheck = { ok: true; key: string | undefined } | { ok: false; reason: 'missing' | 'invalid' };

/** `Authorization: Bearer <key>` checked against the options. */
export function checkKey(opts: ResolvedOptions, authorization: string | undefined): KeyCheck {
  if (authorization === undefined || authorization.trim() === '') {
    return opts.keyless ? { ok: true, key: undefined } : { ok: false, reason: 'missing' };
  }
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (key === undefined) return { ok: false, reason: 'invalid' };
  // A keyless server still checks a key it is sent when it was given a list (else any key passes).
  return !opts.keys || opts.keys.has(key) ? { ok: true, key } : { ok: false, reason: 'invalid' };
}
