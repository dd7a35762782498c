/**
 * Per-key accounting. Internally keyed by the full API key; everything that leaves the emulator
 * (stats(), GET /__emulator/stats) names keys by maskToken only.
 */
import { maskToken } from '../../security/redact.js';

export interface KeyStats {
  /** Masked key, e.g. "sk_…a1b2". */
  key: string;
  /** Authenticated requests, any endpoint. */
  requests: number;
  /** Text-to-speech requests answered 200. */
  syntheses: number;
  /** Characters of those requests' texts. */
  characters: number;
  /** Credits billed for them (what GET /v1/user/subscription reports as character_count). */
  credits: number;
  inFlight: number;
  peakInFlight: number;
  /** 429s served: injected ones and concurrency rejections. */
  rateLimited: number;
  /** Of those, requests beyond the key's concurrency limit. */
  concurrencyRejected: number;
  /** 401 quota_exceeded served. */
  quotaExceeded: number;
  /** 500s served. */
  serverErrors: number;
}

export interface ConcurrencyViolation {
  /** ms since epoch */
  at: number;
  key: string;
  endpoint: string;
  /** In flight when it arrived (the limit, or more). */
  inFlight: number;
  limit: number;
}

export interface SynthesisEntry {
  at: number;
  key: string;
  endpoint: string;
  voiceId: string;
  modelId: string;
  outputFormat: string;
  /** The espeak-ng voice that spoke, e.g. "cmn+f3". */
  espeakVoice: string;
  characters: number;
  credits: number;
  durationSec: number;
}

export interface ElevenLabsStats {
  /** Requests received per endpoint ("POST /v1/text-to-speech/{voice_id}/with-timestamps"), any outcome. */
  requests: Record<string, number>;
  /** Responses sent per HTTP status ("200", "401", "429", "500", …). */
  statuses: Record<string, number>;
  /** Keyed by masked key. */
  keys: Record<string, KeyStats>;
  totals: Omit<KeyStats, 'key'>;
  /** 401 invalid_api_key / needs_authorization served (quota 401s are in quotaExceeded). */
  unauthorized: number;
  concurrencyViolations: ConcurrencyViolation[];
  syntheses: SynthesisEntry[];
}

const COUNTERS = [
  'requests',
  'syntheses',
  'characters',
  'credits',
  'inFlight',
  'peakInFlight',
  'rateLimited',
  'concurrencyRejected',
  'quotaExceeded',
  'serverErrors',
] as const;

type Counters = Omit<KeyStats, 'key'>;
const emptyCounters = (): Counters => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as unknown as Counters;
const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

export class Accounting {
  private keys = new Map<string, KeyStats>();
  /** Credits held by requests in flight, so parallel requests cannot overspend a quota together. */
  private reserved = new Map<string, number>();
  private requests: Record<string, number> = {};
  private statuses: Record<string, number> = {};
  private unauthorized = 0;
  private inFlight = 0;
  private peak = 0;
  private violations: ConcurrencyViolation[] = [];
  private syntheses: SynthesisEntry[] = [];

  /** The stats entry of a valid key (created on first use, with a mask unique among keys). */
  entry(key: string): KeyStats {
    const known = this.keys.get(key);
    if (known) return known;
    // Two keys can share a mask (same first 3 and last 4 characters): number the later ones.
    const taken = new Set(Array.from(this.keys.values(), (s) => s.key));
    let mask = maskToken(key);
    for (let i = 2; taken.has(mask); i++) mask = `${maskToken(key)}~${i}`;
    const created: KeyStats = { key: mask, ...emptyCounters() };
    this.keys.set(key, created);
    return created;
  }

  recordRequest(endpoint: string): void {
    bump(this.requests, endpoint);
  }

  recordStatus(status: number): void {
    bump(this.statuses, String(status));
  }

  recordUnauthorized(): void {
    this.unauthorized += 1;
  }

  /** Take a concurrency slot, or record the violation and refuse (the caller answers 429). */
  acquire(key: string, limit: number | undefined, endpoint: string): boolean {
    const s = this.entry(key);
    if (limit !== undefined && s.inFlight >= limit) {
      s.rateLimited += 1;
      s.concurrencyRejected += 1;
      this.violations.push({ at: Date.now(), key: s.key, endpoint, inFlight: s.inFlight, limit });
      return false;
    }
    s.inFlight += 1;
    s.peakInFlight = Math.max(s.peakInFlight, s.inFlight);
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return true;
  }

  /** Clamped at 0: a reset() while requests are in flight must not leave negative counts. */
  release(key: string): void {
    const s = this.entry(key);
    s.inFlight = Math.max(0, s.inFlight - 1);
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Credits spent plus held by requests in flight. */
  committed(key: string): number {
    return this.entry(key).credits + (this.reserved.get(key) ?? 0);
  }

  reserve(key: string, credits: number): void {
    this.reserved.set(key, (this.reserved.get(key) ?? 0) + credits);
  }

  unreserve(key: string, credits: number): void {
    this.reserved.set(key, Math.max(0, (this.reserved.get(key) ?? 0) - credits));
  }

  recordSynthesis(key: string, entry: Omit<SynthesisEntry, 'key' | 'at'>): void {
    const s = this.entry(key);
    s.syntheses += 1;
    s.characters += entry.characters;
    s.credits += entry.credits;
    this.syntheses.push({ at: Date.now(), key: s.key, ...entry });
  }

  /** One more refusal of this kind served to the key. */
  recordRefusal(key: string, kind: 'rateLimited' | 'quotaExceeded' | 'serverErrors'): void {
    this.entry(key)[kind] += 1;
  }

  /** Full-key lookup for the JS API; a copy, with the masked key inside. */
  forKey(key: string): KeyStats | undefined {
    const s = this.keys.get(key);
    return s ? { ...s } : undefined;
  }

  snapshot(): ElevenLabsStats {
    const totals = emptyCounters();
    const keys: Record<string, KeyStats> = {};
    for (const s of this.keys.values()) {
      keys[s.key] = { ...s };
      for (const k of COUNTERS) if (k !== 'peakInFlight') totals[k] += s[k];
    }
    totals.peakInFlight = this.peak;
    return {
      requests: { ...this.requests },
      statuses: { ...this.statuses },
      keys,
      totals,
      unauthorized: this.unauthorized,
      concurrencyViolations: this.violations.map((v) => ({ ...v })),
      syntheses: this.syntheses.map((e) => ({ ...e })),
    };
  }

  reset(): void {
    this.keys.clear();
    this.reserved.clear();
    this.requests = {};
    this.statuses = {};
    this.unauthorized = 0;
    this.inFlight = 0;
    this.peak = 0;
    this.violations = [];
    this.syntheses = [];
  }
}
