/**
 * Failure injection: decides, per create call and per prediction, whether the
 * emulator misbehaves the way Replicate does in production.
 */
import { createRng, type Rng } from './random.js';

export const E6716_ERROR = 'Director: unexpected error handling prediction (E6716)';

export interface FaultConfig {
  /** Fraction [0,1] of predictions that end `failed` with the transient E6716 error. */
  transientFailureRate: number;
  /** The next N created predictions end `failed` with E6716 (consumed as predictions are created). */
  transientFailFirstN: number;
  /** Fraction [0,1] of create calls answered with a 5xx (no prediction is created). */
  createErrorRate: number;
  /** Status used for injected create errors. Default 500. */
  createErrorStatus: number;
  /** The next N create calls get 429 (consumed per call). */
  throttleNext: number;
  /** Retry-After seconds on 429 responses. Default 2. */
  retryAfterSeconds: number;
  /** Fraction [0,1] of predictions that end `failed` with a permanent model error. */
  modelErrorRate: number;
  /** Models ("owner/name") whose predictions always fail with a model error. */
  modelErrorModels: string[];
  /** Predictions whose input JSON contains this substring always fail with a model error. */
  modelErrorInputIncludes: string;
  /** Error text for permanent model failures. */
  modelErrorMessage: string;
  /** Create calls whose input JSON contains this substring are refused with a 422 (no prediction). */
  rejectInputIncludes: string;
  /** Limits `rejectInputIncludes` to this model ("owner/name"); empty: every model. */
  rejectModel: string;
}

export const DEFAULT_FAULTS: Readonly<FaultConfig> = Object.freeze({
  transientFailureRate: 0,
  transientFailFirstN: 0,
  createErrorRate: 0,
  createErrorStatus: 500,
  throttleNext: 0,
  retryAfterSeconds: 2,
  modelErrorRate: 0,
  modelErrorModels: [],
  modelErrorInputIncludes: '',
  modelErrorMessage: 'ValueError: the model could not process this input (emulated permanent failure)',
  rejectInputIncludes: '',
  rejectModel: '',
});

export type CreateGate =
  { kind: 'ok' } | { kind: 'throttle'; retryAfterSeconds: number } | { kind: 'server_error'; status: number };

export type Outcome =
  { kind: 'succeed' } | { kind: 'transient'; error: string } | { kind: 'model_error'; error: string; logs: string };

const NUMERIC_KEYS = [
  'transientFailureRate',
  'transientFailFirstN',
  'createErrorRate',
  'createErrorStatus',
  'throttleNext',
  'retryAfterSeconds',
  'modelErrorRate',
] as const;

/** Validate an untrusted patch (e.g. from the admin endpoint). Throws on bad fields. */
export function parseFaultPatch(raw: unknown): Partial<FaultConfig> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('faults must be a JSON object');
  const src = raw as Record<string, unknown>;
  const out: Partial<FaultConfig> = {};
  for (const [key, value] of Object.entries(src)) {
    if (value === undefined) continue;
    if ((NUMERIC_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new Error(`${key} must be a number >= 0`);
      (out as Record<string, unknown>)[key] = value;
    } else if (key === 'modelErrorModels') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        throw new Error(`${key} must be string[]`);
      out.modelErrorModels = value as string[];
    } else if (
      key === 'modelErrorInputIncludes' ||
      key === 'modelErrorMessage' ||
      key === 'rejectInputIncludes' ||
      key === 'rejectModel'
    ) {
      if (typeof value !== 'string') throw new Error(`${key} must be a string`);
      out[key] = value;
    } else {
      throw new Error(`unknown fault "${key}"`);
    }
  }
  return out;
}

export class FaultInjector {
  private config: FaultConfig;
  private rng: Rng;

  constructor(
    private readonly initial: Partial<FaultConfig>,
    private readonly seed: number,
  ) {
    this.config = { ...DEFAULT_FAULTS, ...initial };
    this.rng = createRng(seed ^ 0x5eed);
  }

  get current(): FaultConfig {
    return { ...this.config, modelErrorModels: [...this.config.modelErrorModels] };
  }

  set(patch: Partial<FaultConfig>, mode: 'merge' | 'replace' = 'merge'): FaultConfig {
    this.config = mode === 'replace' ? { ...DEFAULT_FAULTS, ...patch } : { ...this.config, ...patch };
    return this.current;
  }

  reset(): void {
    this.config = { ...DEFAULT_FAULTS, ...this.initial };
    this.rng = createRng(this.seed ^ 0x5eed);
  }

  /** Called once per authenticated create call, before validation. */
  gateCreate(): CreateGate {
    if (this.config.throttleNext > 0) {
      this.config.throttleNext -= 1;
      return { kind: 'throttle', retryAfterSeconds: this.config.retryAfterSeconds };
    }
    if (this.config.createErrorRate > 0 && this.rng() < this.config.createErrorRate) {
      return { kind: 'server_error', status: this.config.createErrorStatus };
    }
    return { kind: 'ok' };
  }

  /** True when a create call with this input is to be refused as invalid (422). */
  rejectsInput(model: string, inputJson: string): boolean {
    const c = this.config;
    if (c.rejectModel !== '' && c.rejectModel !== model) return false;
    return c.rejectInputIncludes !== '' && inputJson.includes(c.rejectInputIncludes);
  }

  /** Called once per created prediction to decide how it ends. */
  decideOutcome(model: string, inputJson: string): Outcome {
    const c = this.config;
    if (
      c.modelErrorModels.includes(model) ||
      (c.modelErrorInputIncludes !== '' && inputJson.includes(c.modelErrorInputIncludes)) ||
      (c.modelErrorRate > 0 && this.rng() < c.modelErrorRate)
    ) {
      const logs =
        'Traceback (most recent call last):\n' +
        '  File "/src/predict.py", line 87, in predict\n' +
        '    raise ValueError(msg)\n' +
        `${c.modelErrorMessage}\n`;
      return { kind: 'model_error', error: c.modelErrorMessage, logs };
    }
    if (c.transientFailFirstN > 0) {
      c.transientFailFirstN -= 1;
      return { kind: 'transient', error: E6716_ERROR };
    }
    if (c.transientFailureRate > 0 && this.rng() < c.transientFailureRate) {
      return { kind: 'transient', error: E6716_ERROR };
    }
    return { kind: 'succeed' };
  }
}
