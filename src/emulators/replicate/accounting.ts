/**
 * Per-token accounting. Internally keyed by the full token; everything that
 * leaves the emulator (stats(), GET /__emulator/stats) uses masked tokens.
 */
import { createHash } from 'node:crypto';
import { maskToken } from '../../security/redact.js';
import { stableStringify } from '../../util/stableStringify.js';

export type TerminalStatus = 'succeeded' | 'failed' | 'canceled';

export interface TokenStats {
  /** Masked token, e.g. "r8_…a1b2". */
  token: string;
  inFlight: number;
  peakInFlight: number;
  created: number;
  succeeded: number;
  failed: number;
  canceled: number;
  /** 429 responses served to this token. */
  throttled: number;
  /** Injected 5xx responses served to this token. */
  serverErrors: number;
  /** Σ created → terminal milliseconds of this token's finished predictions (time they held a slot upstream). */
  busyMs: number;
  /** Authenticated GET requests (status polls and the rest): Replicate allows 3000 per minute per account. */
  gets: number;
  /** Webhooks answered 2xx (on the first try or the one retry). */
  webhooksDelivered: number;
  /** Webhooks that failed both tries (receiver down, non-2xx, timeout). */
  webhooksFailed: number;
  /** Webhooks lost on purpose (webhookDropRate). */
  webhooksDropped: number;
  /** Files uploaded through POST /v1/files. */
  uploads: number;
  /** Σ bytes of those uploads. */
  uploadedBytes: number;
}

export interface CreateLogEntry {
  /** ms since epoch */
  at: number;
  token: string;
  predictionId: string;
  model: string;
  inputHash: string;
}

export interface ConcurrencyViolation {
  at: number;
  token: string;
  predictionId: string;
  inFlight: number;
  limit: number;
}

export interface EmulatorStats {
  /** Keyed by masked token. */
  tokens: Record<string, TokenStats>;
  totals: Omit<TokenStats, 'token'>;
  /** inputHash(input) → number of predictions created with exactly that input. */
  predictionsByInput: Record<string, number>;
  cancelCalls: number;
  /** Requests rejected with 401. */
  unauthorized: number;
  creates: CreateLogEntry[];
  concurrencyViolations: ConcurrencyViolation[];
}

/** Stable hash of a prediction input (sha256 of sorted-key JSON, 16 hex chars). */
export function inputHash(input: unknown): string {
  return createHash('sha256').update(stableStringify(input)).digest('hex').slice(0, 16);
}

function emptyCounters(): Omit<TokenStats, 'token'> {
  return {
    inFlight: 0,
    peakInFlight: 0,
    created: 0,
    succeeded: 0,
    failed: 0,
    canceled: 0,
    throttled: 0,
    serverErrors: 0,
    busyMs: 0,
    gets: 0,
    webhooksDelivered: 0,
    webhooksFailed: 0,
    webhooksDropped: 0,
    uploads: 0,
    uploadedBytes: 0,
  };
}

export class Accounting {
  private tokens = new Map<string, TokenStats>();
  private masks = new Set<string>();
  private byInput = new Map<string, number>();
  private creates: CreateLogEntry[] = [];
  private violations: ConcurrencyViolation[] = [];
  private cancelCalls = 0;
  private unauthorized = 0;
  private totalInFlight = 0;
  private totalPeak = 0;

  constructor(private readonly limitFor: (token: string) => number | undefined) {}

  private entry(token: string): TokenStats {
    let s = this.tokens.get(token);
    if (!s) {
      let mask = maskToken(token);
      for (let i = 2; this.masks.has(mask); i++) mask = `${maskToken(token)}~${i}`;
      this.masks.add(mask);
      s = { token: mask, ...emptyCounters() };
      this.tokens.set(token, s);
    }
    return s;
  }

  mask(token: string): string {
    return this.entry(token).token;
  }

  recordUnauthorized(): void {
    this.unauthorized += 1;
  }

  recordThrottled(token: string): void {
    this.entry(token).throttled += 1;
  }

  recordServerError(token: string): void {
    this.entry(token).serverErrors += 1;
  }

  recordGet(token: string): void {
    this.entry(token).gets += 1;
  }

  recordWebhook(token: string, outcome: 'delivered' | 'failed' | 'dropped'): void {
    const s = this.entry(token);
    if (outcome === 'delivered') s.webhooksDelivered += 1;
    else if (outcome === 'failed') s.webhooksFailed += 1;
    else s.webhooksDropped += 1;
  }

  recordUpload(token: string, bytes: number): void {
    const s = this.entry(token);
    s.uploads += 1;
    s.uploadedBytes += bytes;
  }

  recordCancelCall(): void {
    this.cancelCalls += 1;
  }

  recordCreate(token: string, predictionId: string, model: string, hash: string, at = Date.now()): void {
    const s = this.entry(token);
    s.created += 1;
    s.inFlight += 1;
    s.peakInFlight = Math.max(s.peakInFlight, s.inFlight);
    this.totalInFlight += 1;
    this.totalPeak = Math.max(this.totalPeak, this.totalInFlight);
    this.byInput.set(hash, (this.byInput.get(hash) ?? 0) + 1);
    this.creates.push({ at, token: s.token, predictionId, model, inputHash: hash });
    const limit = this.limitFor(token);
    if (limit !== undefined && s.inFlight > limit) {
      this.violations.push({ at, token: s.token, predictionId, inFlight: s.inFlight, limit });
    }
  }

  recordTerminal(token: string, status: TerminalStatus, durationMs = 0): void {
    const s = this.entry(token);
    s.inFlight -= 1;
    this.totalInFlight -= 1;
    s[status] += 1;
    s.busyMs += durationMs;
  }

  /** Full-token lookup for the JS API; returns a copy (masked token inside). */
  forToken(token: string): TokenStats | undefined {
    const s = this.tokens.get(token);
    return s ? { ...s } : undefined;
  }

  snapshot(): EmulatorStats {
    const totals = emptyCounters();
    const tokens: Record<string, TokenStats> = {};
    for (const s of this.tokens.values()) {
      tokens[s.token] = { ...s };
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
        if (k !== 'peakInFlight') totals[k] += s[k];
      }
    }
    totals.peakInFlight = this.totalPeak;
    return {
      tokens,
      totals,
      predictionsByInput: Object.fromEntries(this.byInput),
      cancelCalls: this.cancelCalls,
      unauthorized: this.unauthorized,
      creates: this.creates.map((c) => ({ ...c })),
      concurrencyViolations: this.violations.map((v) => ({ ...v })),
    };
  }

  reset(): void {
    this.tokens.clear();
    this.masks.clear();
    this.byInput.clear();
    this.creates = [];
    this.violations = [];
    this.cancelCalls = 0;
    this.unauthorized = 0;
    this.totalInFlight = 0;
    this.totalPeak = 0;
  }
}
