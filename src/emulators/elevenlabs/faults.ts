/**
 * Failure injection for the text-to-speech endpoints: the 429s and 500s the real service sends
 * under load, and latency (which also keeps requests in flight, so concurrency limits can bite).
 * Faults are consumed in request arrival order, so a test says "the next 2 requests get 429".
 */

export interface RateLimitFault {
  /** The next `count` text-to-speech requests get 429. */
  count: number;
  /**
   * Retry-After header value. The real API documents none for 429 (the help center says only
   * "retry with exponential backoff"), so by default none is sent; set it to test a client that
   * honours one (the official client does).
   */
  retryAfterSeconds?: number;
  /** detail.status of the 429. Default "system_busy" (too_many_concurrent_requests is the other). */
  status?: 'system_busy' | 'too_many_concurrent_requests';
}

export interface FaultConfig {
  rateLimit: RateLimitFault | null;
  /** The next `count` text-to-speech requests get 500 something_went_wrong (and are not billed). */
  serverError: { count: number } | null;
  /** Extra time each text-to-speech request takes, while holding its concurrency slot. */
  latencyMs: number;
}

export const DEFAULT_FAULTS: Readonly<FaultConfig> = Object.freeze({
  rateLimit: null,
  serverError: null,
  latencyMs: 0,
});

export type Gate =
  | { kind: 'ok' }
  | { kind: 'rate_limit'; status: NonNullable<RateLimitFault['status']>; retryAfterSeconds?: number }
  | { kind: 'server_error' };

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be an integer >= 0`);
  return value;
}

function object(name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/** Validate an untrusted patch (e.g. from POST /__emulator/faults). Throws on bad fields. */
export function parseFaultPatch(raw: unknown): Partial<FaultConfig> {
  const src = object('faults', raw);
  const out: Partial<FaultConfig> = {};
  for (const [key, value] of Object.entries(src)) {
    if (value === undefined) continue;
    if (key === 'latencyMs') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error('latencyMs must be >= 0');
      out.latencyMs = value;
    } else if (key === 'serverError') {
      out.serverError = value === null ? null : { count: count('serverError.count', object(key, value).count) };
    } else if (key === 'rateLimit') {
      if (value === null) {
        out.rateLimit = null;
        continue;
      }
      const r = object(key, value);
      const fault: RateLimitFault = { count: count('rateLimit.count', r.count) };
      if (r.retryAfterSeconds !== undefined)
        fault.retryAfterSeconds = count('rateLimit.retryAfterSeconds', r.retryAfterSeconds);
      if (r.status !== undefined) {
        if (r.status !== 'system_busy' && r.status !== 'too_many_concurrent_requests')
          throw new Error('rateLimit.status must be "system_busy" or "too_many_concurrent_requests"');
        fault.status = r.status;
      }
      out.rateLimit = fault;
    } else {
      throw new Error(`unknown fault "${key}"`);
    }
  }
  return out;
}

const copy = (c: FaultConfig): FaultConfig => ({
  rateLimit: c.rateLimit && { ...c.rateLimit },
  serverError: c.serverError && { ...c.serverError },
  latencyMs: c.latencyMs,
});

export class FaultInjector {
  private config: FaultConfig;

  constructor(private readonly initial: Partial<FaultConfig>) {
    this.config = copy({ ...DEFAULT_FAULTS, ...initial });
  }

  get current(): FaultConfig {
    return copy(this.config);
  }

  set(patch: Partial<FaultConfig>, mode: 'merge' | 'replace' = 'merge'): FaultConfig {
    this.config = copy(mode === 'replace' ? { ...DEFAULT_FAULTS, ...patch } : { ...this.config, ...patch });
    return this.current;
  }

  reset(): void {
    this.config = copy({ ...DEFAULT_FAULTS, ...this.initial });
  }

  /** Called once per authenticated, valid text-to-speech request. Rate limits win over 500s. */
  gate(): Gate {
    const { rateLimit, serverError } = this.config;
    if (rateLimit && rateLimit.count > 0) {
      rateLimit.count -= 1;
      return {
        kind: 'rate_limit',
        status: rateLimit.status ?? 'system_busy',
        retryAfterSeconds: rateLimit.retryAfterSeconds,
      };
    }
    if (serverError && serverError.count > 0) {
      serverError.count -= 1;
      return { kind: 'server_error' };
    }
    return { kind: 'ok' };
  }

  get latencyMs(): number {
    return this.config.latencyMs;
  }
}
