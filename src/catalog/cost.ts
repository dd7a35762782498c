/**
 * What a generation costs: estimated before it runs (from the request) and counted after (from the
 * prediction's metrics). An unknown model or price is `usd: undefined` with basis "price unknown",
 * never 0: a sum over a run must not mistake "unknown" for "free".
 */
import type { CatalogModel, GenerationRequest, InputRates, Price } from './types.js';
import { catalogModel, parseModelRef } from './lookup.js';
import { TIMED_MODEL_PRICES } from './timedModels.js';

export interface Cost {
  usd?: number;
  /** How the figure was reached ("5 s × $0.05/s (mode standard)"), or why there is none. */
  basis: string;
}

/** A request to estimate: ours, how many outputs (images), and the caller's extra model input. */
export interface CostRequest extends Partial<GenerationRequest> {
  /** Outputs wanted (images); default the model input's num_outputs, else 1. */
  outputs?: number;
  modelInput?: Record<string, unknown>;
}

/** What a finished prediction reports (Replicate's `metrics`), how many files it returned, its input. */
export interface PredictionUsage {
  metrics?: {
    predict_time?: number;
    video_output_duration_seconds?: number;
    character_input_count?: number;
    image_count?: number;
  };
  outputCount: number;
  input?: Record<string, unknown>;
}

const PRICE_UNKNOWN: Cost = { basis: 'price unknown' };

/**
 * The `imageUrl` of an estimate for an image-to-video clip whose still does not exist yet: only
 * that there is an image matters to the price (and to the input mapping, which requires one).
 */
export const STILL_NOT_MADE_YET = 'data:image/jpeg;base64,';

type ModelArg = CatalogModel | string | undefined;

function resolve(model: ModelArg): CatalogModel | undefined {
  return typeof model === 'string' ? catalogModel(model) : model;
}

/** A model priced by run time only (speech recognition, vision): see timedModels.ts. */
function timedPrice(modelRef: string): Price | undefined {
  return TIMED_MODEL_PRICES[parseModelRef(modelRef).name];
}

/** Dollars to the millionth, so sums carry no float noise ($0.35 is 0.35). */
function usd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const money = (v: number) => `$${usd(v)}`;

/** The rate for the input sent (Kling's mode, Wan's resolution), and a note naming it. */
function rateFor(
  price: { usd: number; byInput?: InputRates },
  input: Record<string, unknown> | undefined,
): { rate: number; note: string } | { unknownValue: string } {
  if (!price.byInput) return { rate: price.usd, note: '' };
  const { field, default: fallback, usd: rates } = price.byInput;
  const value = String(input?.[field] ?? fallback);
  const rate = rates[value];
  return rate === undefined ? { unknownValue: `${field} ${value}` } : { rate, note: ` (${field} ${value})` };
}

function known(price: Price): price is Exclude<Price, { per: 'unknown' }> {
  return price.per !== 'unknown';
}

/** The model's own input for the request, when it can be built (for an estimate, a throw is no price). */
function inputOf(model: CatalogModel, request: CostRequest): Record<string, unknown> | undefined {
  try {
    return { ...model.input({ prompt: '', aspect: '16:9', ...request }), ...request.modelInput };
  } catch {
    return request.modelInput;
  }
}

/** What a request will cost on `model`, before it runs. */
export function estimateCost(model: ModelArg, request: CostRequest): Cost {
  const m = resolve(model);
  if (!m || !known(m.price)) return PRICE_UNKNOWN;
  const price = m.price;
  const full: GenerationRequest = { prompt: '', aspect: '16:9', ...request };
  const input = inputOf(m, request);
  const outputs = request.outputs ?? (typeof input?.num_outputs === 'number' ? input.num_outputs : 1);
  switch (price.per) {
    case 'image':
      return { usd: usd(outputs * price.usd), basis: `${outputs} image(s) × ${money(price.usd)}` };
    case 'output': {
      const r = rateFor(price, input);
      if ('unknownValue' in r) return { basis: `price unknown for ${r.unknownValue}` };
      return { usd: usd(r.rate), basis: `1 clip × ${money(r.rate)}${r.note}` };
    }
    case 'output-second': {
      const r = rateFor(price, input);
      if ('unknownValue' in r) return { basis: `price unknown for ${r.unknownValue}` };
      const seconds = typeof input?.duration === 'number' ? input.duration : (m.seconds?.(full) ?? full.durationSec);
      if (seconds === undefined) return { basis: 'price unknown: no output length to price' };
      return { usd: usd(seconds * r.rate), basis: `${seconds} s × ${money(r.rate)}/s${r.note}` };
    }
    case 'hardware-second': {
      const seconds = (m.predictSeconds?.(full) ?? m.typicalSeconds) * (m.kind === 'image' ? outputs : 1);
      return {
        usd: usd(seconds * price.usd),
        basis: `≈${seconds} s (estimated run time) of ${price.hardware} × ${money(price.usd)}/s`,
      };
    }
    case 'input-character': {
      const characters = full.prompt.length;
      return { usd: usd(characters * price.usd), basis: `${characters} characters × ${money(price.usd * 1000)}/1000` };
    }
  }
}

/** What a finished prediction cost, from its metrics (and its input, for rates that depend on it). */
export function actualCost(model: ModelArg, prediction: PredictionUsage): Cost {
  const m = resolve(model);
  const price = m?.price ?? (typeof model === 'string' ? timedPrice(model) : undefined);
  if (!price || !known(price)) return PRICE_UNKNOWN;
  const metrics = prediction.metrics ?? {};
  switch (price.per) {
    case 'image': {
      const images = metrics.image_count ?? prediction.outputCount;
      return { usd: usd(images * price.usd), basis: `${images} image(s) × ${money(price.usd)}` };
    }
    case 'output': {
      const r = rateFor(price, prediction.input);
      if ('unknownValue' in r) return { basis: `price unknown for ${r.unknownValue}` };
      const clips = prediction.outputCount;
      return { usd: usd(clips * r.rate), basis: `${clips} clip(s) × ${money(r.rate)}${r.note}` };
    }
    case 'output-second': {
      const r = rateFor(price, prediction.input);
      if ('unknownValue' in r) return { basis: `price unknown for ${r.unknownValue}` };
      const seconds =
        metrics.video_output_duration_seconds ??
        (typeof prediction.input?.duration === 'number' ? prediction.input.duration : undefined);
      if (seconds === undefined) return { basis: 'price unknown: no video_output_duration_seconds in the metrics' };
      return { usd: usd(seconds * r.rate), basis: `${seconds} s × ${money(r.rate)}/s${r.note}` };
    }
    case 'hardware-second': {
      if (metrics.predict_time === undefined) return { basis: 'price unknown: no predict_time in the metrics' };
      return {
        usd: usd(metrics.predict_time * price.usd),
        basis: `${metrics.predict_time} s of ${price.hardware} × ${money(price.usd)}/s`,
      };
    }
    case 'input-character': {
      const text = prediction.input?.text;
      const characters = metrics.character_input_count ?? (typeof text === 'string' ? text.length : undefined);
      if (characters === undefined) return { basis: 'price unknown: no character_input_count in the metrics' };
      return { usd: usd(characters * price.usd), basis: `${characters} characters × ${money(price.usd * 1000)}/1000` };
    }
  }
}
