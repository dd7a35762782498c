/**
 * Fault injection. Plan faults change what a planning answer looks like (the ways real models and
 * servers get structured output wrong); status faults change the HTTP answer itself. A plan fault
 * is chosen per request by the model name, or for every request through the config; status faults
 * only through the config, and counted ones are used up one request at a time.
 */
import { z } from 'zod';

export const PLAN_FAULTS = [
  /** The JSON inside ```json fences, with prose around it. */
  'plan-fenced',
  /** Prose before and after the bare JSON. */
  'plan-prose',
  /** A `<think>…</think>` block before the JSON, as reasoning models answer. */
  'plan-think',
  /** Invalid JSON on the first attempt, a correct plan once the conversation holds a repair message. */
  'plan-broken',
  /** Invalid JSON on every attempt. */
  'plan-broken-always',
  /** One scene too few on the first attempt, the right count on repair. */
  'plan-wrong-count',
  /** 400 for `response_format: json_schema`; `json_object` and plain text work (older servers). */
  'plan-no-json-schema',
  /** 400 for any `response_format`. */
  'plan-text-only',
  /** Text holding no JSON at all, every time. */
  'plan-garbage',
] as const;
export type PlanFault = (typeof PLAN_FAULTS)[number];

export function isPlanFault(name: string): name is PlanFault {
  return (PLAN_FAULTS as readonly string[]).includes(name);
}

export type Endpoint = 'models' | 'chat' | 'speech';

export interface FaultConfig {
  /** Plan fault for chat requests whose model names none. */
  plan: PlanFault | null;
  /** Every API request gets 401, whatever key it carries. */
  unauthorized: boolean;
  /** The next `count` API requests get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit: { count: number; retryAfterSeconds: number };
  /** The next `count` API requests get 500. */
  serverError: { count: number };
  /** Wait before answering: one value for every endpoint, or one per endpoint (unset = 0). */
  latencyMs: number | Partial<Record<Endpoint, number>>;
}

export const DEFAULT_FAULTS: Readonly<FaultConfig> = Object.freeze({
  plan: null,
  unauthorized: false,
  rateLimit: { count: 0, retryAfterSeconds: 1 },
  serverError: { count: 0 },
  latencyMs: 0,
});

const count = z.number().int().min(0);
const ms = z.number().min(0).max(600_000);

/** What an admin request or a setFaults() call may change; nested objects merge field by field. */
const faultPatchSchema = z
  .object({
    plan: z.enum(PLAN_FAULTS).nullable(),
    unauthorized: z.boolean(),
    rateLimit: z.object({ count, retryAfterSeconds: count }).partial().strict(),
    serverError: z.object({ count }).strict(),
    latencyMs: z.union([ms, z.object({ models: ms, chat: ms, speech: ms }).partial().strict()]),
  })
  .partial()
  .strict();

export type FaultPatch = z.infer<typeof faultPatchSchema>;

/** Validates an untrusted patch; throws an Error whose message lists the bad fields. */
export function parseFaultPatch(raw: unknown): FaultPatch {
  const parsed = faultPatchSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid faults: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function apply(base: FaultConfig, patch: FaultPatch): FaultConfig {
  return {
    plan: patch.plan !== undefined ? patch.plan : base.plan,
    unauthorized: patch.unauthorized ?? base.unauthorized,
    rateLimit: { ...base.rateLimit, ...patch.rateLimit },
    serverError: { ...base.serverError, ...patch.serverError },
    latencyMs: patch.latencyMs ?? base.latencyMs,
  };
}

function copy(c: FaultConfig): FaultConfig {
  return apply(c, {});
}

export type Gate =
  | { kind: 'ok' }
  | { kind: 'unauthorized' }
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'server_error' };

export class FaultState {
  private config: FaultConfig;

  constructor(private readonly initial: FaultPatch) {
    this.config = apply(copy(DEFAULT_FAULTS), initial);
  }

  get current(): FaultConfig {
    return copy(this.config);
  }

  set(patch: FaultPatch, mode: 'merge' | 'replace' = 'merge'): FaultConfig {
    this.config = apply(mode === 'replace' ? copy(DEFAULT_FAULTS) : this.config, patch);
    return this.current;
  }

  reset(): void {
    this.config = apply(copy(DEFAULT_FAULTS), this.initial);
  }

  /** Called once per authenticated API request, before the request is validated or answered. */
  gate(): Gate {
    const c = this.config;
    if (c.unauthorized) return { kind: 'unauthorized' };
    if (c.rateLimit.count > 0) {
      c.rateLimit.count -= 1;
      return { kind: 'rate_limit', retryAfterSeconds: c.rateLimit.retryAfterSeconds };
    }
    if (c.serverError.count > 0) {
      c.serverError.count -= 1;
      return { kind: 'server_error' };
    }
    return { kind: 'ok' };
  }

  latencyFor(endpoint: Endpoint): number {
    const l = this.config.latencyMs;
    return typeof l === 'number' ? l : (l[endpoint] ?? 0);
  }
}
