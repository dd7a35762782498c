/**
 * Options for the ElevenLabs emulator and their defaults.
 */
import type { FaultConfig } from './faults.js';
import type { EmulatedVoice } from './catalog.js';

/** Silence between spoken pieces, in milliseconds (what espeak-ng's isolated words lack). */
export interface PauseConfig {
  /** Between words (spaces, quotes, other symbols). Default 70. */
  wordMs: number;
  /** After a comma, semicolon, colon, dash or line break. Default 200. */
  clauseMs: number;
  /** After . ! ? … and their CJK forms. Default 350. */
  sentenceMs: number;
}

export interface ElevenLabsEmulatorOptions {
  /** Listen host. Default "127.0.0.1". */
  host?: string;
  /** Listen port. Default 0 (ephemeral). */
  port?: number;
  /** Valid `xi-api-key` values. Default: any key starting with "sk_". */
  apiKeys?: readonly string[];
  /**
   * Credits each key may spend (number = the same for every key, or a full-key → limit map; a key
   * missing from the map is unlimited). Default unlimited. 1 credit per character on
   * eleven_multilingual_v2 and v3, 0.5 on the flash/turbo models, rounded up per request.
   */
  characterLimit?: number | Readonly<Record<string, number>>;
  /**
   * Text-to-speech requests a key may have in flight (number, or a full-key → limit map). Requests
   * beyond it get 429 too_many_concurrent_requests and are recorded as violations. Default unlimited.
   */
  concurrencyLimit?: number | Readonly<Record<string, number>>;
  /** Voices in addition to the built-in ones. */
  voices?: readonly EmulatedVoice[];
  /** Initial faults (restored by reset()). */
  faults?: Partial<FaultConfig>;
  /** Paths of the tools that make the audio. */
  tools?: { espeak?: string; ffmpeg?: string };
  /** Pause lengths; see PauseConfig. */
  pauses?: Partial<PauseConfig>;
  /** espeak-ng words per minute at voice_settings.speed 1. Default 165. */
  wordsPerMinute?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  isValidKey: (key: string) => boolean;
  creditLimitFor: (key: string) => number | undefined;
  concurrencyLimitFor: (key: string) => number | undefined;
  voices: readonly EmulatedVoice[];
  faults: Partial<FaultConfig>;
  tools: { espeak: string; ffmpeg: string };
  pauses: PauseConfig;
  wordsPerMinute: number;
}

function perKey(limit: number | Readonly<Record<string, number>> | undefined): (key: string) => number | undefined {
  if (limit === undefined) return () => undefined;
  if (typeof limit === 'number') return () => limit;
  return (key) => (Object.hasOwn(limit, key) ? limit[key] : undefined);
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`elevenlabs emulator: ${name} must be >= 0 (got ${value})`);
  return value;
}

export function resolveOptions(o: ElevenLabsEmulatorOptions = {}): ResolvedOptions {
  const keys = o.apiKeys ? new Set(o.apiKeys) : undefined;
  const p = o.pauses ?? {};
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    isValidKey: keys ? (key) => keys.has(key) : (key) => key.startsWith('sk_'),
    creditLimitFor: perKey(o.characterLimit),
    concurrencyLimitFor: perKey(o.concurrencyLimit),
    voices: o.voices ?? [],
    faults: o.faults ?? {},
    tools: { espeak: o.tools?.espeak ?? 'espeak-ng', ffmpeg: o.tools?.ffmpeg ?? 'ffmpeg' },
    pauses: {
      wordMs: nonNegative('pauses.wordMs', p.wordMs ?? 70),
      clauseMs: nonNegative('pauses.clauseMs', p.clauseMs ?? 200),
      sentenceMs: nonNegative('pauses.sentenceMs', p.sentenceMs ?? 350),
    },
    wordsPerMinute: Math.max(80, Math.min(450, o.wordsPerMinute ?? 165)),
  };
}
