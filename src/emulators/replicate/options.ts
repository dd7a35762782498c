/**
 * Options for the Replicate emulator and their defaults.
 */
import type { FaultConfig } from './faults.js';
import type { EmulatedModelSpec, OutputKind } from './models.js';

/** Mean latency by output kind when neither the model nor the options set one (seconds). */
export const KIND_LATENCY_SECONDS: Readonly<Record<OutputKind, number>> = Object.freeze({
  image: 1,
  tool: 1,
  speech: 1.5,
  music: 4,
  video: 6,
  transcript: 2,
  caption: 1,
});

export interface ReplicateEmulatorOptions {
  /** Listen host. Default "127.0.0.1". */
  host?: string;
  /** Listen port. Default 0 (ephemeral). */
  port?: number;
  /** API base path. Default "/v1". */
  basePath?: string;
  /** Valid API tokens. Default: any token starting with "r8_". */
  tokens?: readonly string[];
  /**
   * Mean prediction latency in seconds (created → terminal) for every model that sets none of its
   * own. Default: by output kind (KIND_LATENCY_SECONDS: image 1, speech 1.5, music 4, video 6).
   */
  latencySeconds?: number;
  /** Mean latency per output kind; beats `latencySeconds` for the kinds it names. */
  latencyByKind?: Partial<Record<OutputKind, number>>;
  /** Uniform jitter as a fraction of the mean (0.5 → ±50 %). Default 0.5. */
  jitter?: number;
  /** Fraction of the latency spent in "starting" before "processing". Default 0.2. */
  startingFraction?: number;
  /** PRNG seed for latency and fault draws. Default 1. */
  seed?: number;
  /** Output files 404 this many seconds after the prediction completes. Default 3600. */
  fileTtlSeconds?: number;
  /** Longest side of generated PNGs, in pixels. Default 64. */
  imageSize?: number;
  /**
   * Emulated videos are the model's real resolution divided by this (720×1280 → 180×320), so they
   * stay quick to make. Default 4.
   */
  videoScale?: number;
  /** ffmpeg used for speech, music and video outputs. Default "ffmpeg" (from PATH). */
  ffmpegPath?: string;
  /** espeak-ng used for speech outputs. Default "espeak-ng" (from PATH). */
  espeakPath?: string;
  /** Uploaded files (POST /v1/files) 404 this many seconds after upload. Default 86400, as on Replicate. */
  uploadTtlSeconds?: number;
  /** Largest upload accepted, in bytes. Default 100 MiB, as on Replicate. */
  maxUploadBytes?: number;
  /** Extra models (in addition to flux-schnell and sdxl). */
  models?: readonly EmulatedModelSpec[];
  /** Initial fault configuration (restored by reset()). */
  faults?: Partial<FaultConfig>;
  /**
   * Per-token concurrency limit (number = same limit for every token, or a
   * full-token → limit map). Exceeding it is recorded as a violation, not rejected.
   */
  concurrencyLimit?: number | Readonly<Record<string, number>>;
  /** POST predictions to their `webhook` URL (as Replicate does). Default true. */
  sendWebhooks?: boolean;
  /** Fraction [0,1] of webhooks lost without a trace, to exercise fallback polling. Default 0. */
  webhookDropRate?: number;
  /** Wait before the one retry of a failed webhook, in ms. Default 1000. */
  webhookRetryDelayMs?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  basePath: string;
  tokens: ReadonlySet<string> | undefined;
  /** Mean latency of a model of `kind` that sets none of its own. */
  latencyFor: (kind: OutputKind) => number;
  jitter: number;
  startingFraction: number;
  seed: number;
  fileTtlSeconds: number;
  imageSize: number;
  videoScale: number;
  ffmpegPath: string;
  espeakPath: string;
  uploadTtlSeconds: number;
  maxUploadBytes: number;
  models: readonly EmulatedModelSpec[];
  faults: Partial<FaultConfig>;
  limitFor: (token: string) => number | undefined;
  sendWebhooks: boolean;
  webhookDropRate: number;
  webhookRetryDelayMs: number;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`replicate emulator: ${name} must be >= 0 (got ${value})`);
  return value;
}

export function resolveOptions(o: ReplicateEmulatorOptions = {}): ResolvedOptions {
  let basePath = o.basePath ?? '/v1';
  if (!basePath.startsWith('/')) basePath = `/${basePath}`;
  basePath = basePath.replace(/\/+$/, '');
  const limit = o.concurrencyLimit;
  const latency = o.latencySeconds === undefined ? undefined : nonNegative('latencySeconds', o.latencySeconds);
  const byKind: Partial<Record<OutputKind, number>> = {};
  for (const [kind, seconds] of Object.entries(o.latencyByKind ?? {}) as [OutputKind, number][]) {
    byKind[kind] = nonNegative(`latencyByKind.${kind}`, seconds);
  }
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    basePath,
    tokens: o.tokens ? new Set(o.tokens) : undefined,
    latencyFor: (kind) => byKind[kind] ?? latency ?? KIND_LATENCY_SECONDS[kind],
    jitter: nonNegative('jitter', o.jitter ?? 0.5),
    startingFraction: Math.min(1, nonNegative('startingFraction', o.startingFraction ?? 0.2)),
    seed: o.seed ?? 1,
    fileTtlSeconds: nonNegative('fileTtlSeconds', o.fileTtlSeconds ?? 3600),
    imageSize: Math.max(2, Math.round(o.imageSize ?? 64)),
    videoScale: Math.max(1, nonNegative('videoScale', o.videoScale ?? 4)),
    ffmpegPath: o.ffmpegPath ?? 'ffmpeg',
    espeakPath: o.espeakPath ?? 'espeak-ng',
    uploadTtlSeconds: nonNegative('uploadTtlSeconds', o.uploadTtlSeconds ?? 86_400),
    maxUploadBytes: nonNegative('maxUploadBytes', o.maxUploadBytes ?? 100 * 1024 * 1024),
    models: o.models ?? [],
    faults: o.faults ?? {},
    limitFor: limit === undefined ? () => undefined : typeof limit === 'number' ? () => limit : (token) => limit[token],
    sendWebhooks: o.sendWebhooks ?? true,
    webhookDropRate: Math.min(1, nonNegative('webhookDropRate', o.webhookDropRate ?? 0)),
    webhookRetryDelayMs: nonNegative('webhookRetryDelayMs', o.webhookRetryDelayMs ?? 1000),
  };
}

export function isValidToken(opts: ResolvedOptions, token: string | undefined): token is string {
  if (!token) return false;
  return opts.tokens ? opts.tokens.has(token) : token.startsWith('r8_');
}
