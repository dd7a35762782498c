import type { GenerationRequest } from './types.js';

/** A request a model cannot be asked for (no start image for an image-to-video model, say). */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}

/** The allowed duration nearest to `requested`; between two, the longer (the clip must cover the scene). */
export function snapDuration(allowed: readonly number[], requested: number): number {
  if (allowed.length === 0) throw new Error('no durations to snap to');
  let best = allowed[0]!;
  for (const d of allowed) {
    const closer = Math.abs(d - requested) - Math.abs(best - requested);
    if (closer < 0 || (closer === 0 && d > best)) best = d;
  }
  return best;
}

/** The request's start image, or a ModelInputError naming the model that needs one. */
export function requireImage(model: string, request: GenerationRequest): string {
  if (!request.imageUrl) {
    throw new ModelInputError(
      `${model} makes a video from an image: give it imageUrl (the scene's picture, as a data: or https: URL)`,
    );
  }
  return request.imageUrl;
}

/** The fields that are set, so an absent seed or negative prompt is left out rather than sent empty. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
}

/** Replicate's per-second hardware prices (replicate.com/pricing, the hardware table). */
export const HARDWARE = {
  t4: { name: 'Nvidia T4 GPU', usd: 0.000225 },
  'a40-large': { name: 'Nvidia A40 (Large) GPU', usd: 0.000725 },
  l40s: { name: 'Nvidia L40S GPU', usd: 0.000975 },
  'a100-80gb': { name: 'Nvidia A100 (80GB) GPU', usd: 0.0014 },
} as const;

export const PRICING_PAGE = 'replicate.com/pricing (hardware table)';
