import type { Aspect, Language } from '../domain/shortRequest.js';

/**
 * What reelflow knows about a model on Replicate, as data: what it makes, how our requests map onto
 * its real input fields, what it returns, how long it usually takes and what it costs. Pure types:
 * workflows import the catalog too (for timeouts and estimates).
 */
export type ModelKind = 'image' | 'text-to-video' | 'image-to-video' | 'speech' | 'music' | 'image-tool';

/**
 * A rate that depends on one input field (Kling's `mode`, Wan's `resolution`): `usd[value]` for
 * each value, the price's own `usd` being the rate at `default` (what the catalog sends).
 */
export interface InputRates {
  field: string;
  default: string;
  usd: Readonly<Record<string, number>>;
}

/** How a model is priced, with where the figure comes from. */
export type Price =
  | { per: 'image'; usd: number; source: string }
  /** Per file returned, whatever its length (a video clip priced by the clip). */
  | { per: 'output'; usd: number; source: string; byInput?: InputRates }
  | { per: 'output-second'; usd: number; source: string; byInput?: InputRates }
  | { per: 'hardware-second'; usd: number; hardware: string; source: string }
  | { per: 'input-character'; usd: number; source: string }
  | { per: 'unknown' };

/** A request for one generation, in our words; the catalog turns it into the model's own input. */
export interface GenerationRequest {
  /** What to draw, film or play; for a speech model, the text to speak. */
  prompt: string;
  aspect: Aspect;
  /** Seconds of output wanted (videos, music). */
  durationSec?: number;
  /** An image to start from (image-to-video, image tools), as a URL the model can fetch (data: or https:). */
  imageUrl?: string;
  /** Image tools: the inpainting mask (white is painted over), the upscale factor, face enhancement. */
  maskUrl?: string;
  scale?: number;
  faceEnhance?: boolean;
  negativePrompt?: string;
  seed?: number;
  /** Speech: the language spoken (default English), a voice of the model's own, a speed multiplier. */
  language?: Language;
  voice?: string;
  speed?: number;
}

export interface CatalogModel {
  /** `owner/name`, the key Replicate knows it by. */
  model: string;
  /** The version to run for community models (they have no model endpoint). */
  version?: string;
  kind: ModelKind;
  /**
   * The model's real input fields for a request (schema from its Replicate API page). Throws a
   * ModelInputError when the request cannot be made (an image-to-video model without an image, a
   * speech model without a voice for the language).
   */
  input(request: GenerationRequest): Record<string, unknown>;
  /** What comes back: one file URL, or a list of them. */
  output: 'single' | 'list';
  /** Seconds a prediction usually takes, for ETAs and activity timeouts. */
  typicalSeconds: number;
  /** Seconds a prediction takes for this request, when that depends on it (MusicGen: on the length). */
  predictSeconds?(request: GenerationRequest): number;
  price: Price;
  /** The durations (seconds) the model can make, when it only makes some. */
  durations?: readonly number[];
  /** Seconds of output the model makes for a request (videos, music): the length it is billed for. */
  seconds?(request: GenerationRequest): number;
  /** Speech: the default voice per language; a language without one is one the model cannot speak. */
  voices?: Readonly<Partial<Record<Language, string>>>;
}
