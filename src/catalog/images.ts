import type { Aspect } from '../domain/shortRequest.js';
import { HARDWARE, PRICING_PAGE, defined } from './input.js';
import type { CatalogModel } from './types.js';

/** SDXL's sizes for our aspects: about a megapixel, both sides multiples of 64 (its training buckets). */
const SDXL_SIZES: Record<Aspect, { width: number; height: number }> = {
  '9:16': { width: 768, height: 1344 },
  '16:9': { width: 1344, height: 768 },
  '1:1': { width: 1024, height: 1024 },
};

/**
 * FLUX.1 [schnell] (replicate.com/black-forest-labs/flux-schnell/api): prompt*, aspect_ratio (1:1,
 * 16:9, 9:16 and others), num_outputs 1–4, seed, output_format webp | jpg | png, output_quality,
 * num_inference_steps 1–4, go_fast, megapixels. No negative prompt. A list of URLs. Official model.
 */
export const FLUX_SCHNELL: CatalogModel = {
  model: 'black-forest-labs/flux-schnell',
  kind: 'image',
  input: (r) =>
    defined({ prompt: r.prompt, aspect_ratio: r.aspect, num_outputs: 1, output_format: 'png', seed: r.seed }),
  output: 'list',
  // Estimate: a 4-step model; about 1–3 s a prediction when warm.
  typicalSeconds: 3,
  price: {
    per: 'image',
    usd: 0.003,
    source:
      'replicate.com/pricing: $0.003 per output image (as quoted from it by workflowlab.dev and lumenfall.ai; the page itself was not read)',
  },
};

/**
 * SDXL (replicate.com/stability-ai/sdxl/api, a community model run by version): prompt, negative_prompt,
 * width, height, num_outputs 1–4, seed, scheduler, num_inference_steps, guidance_scale, refine…
 * A list of URLs. Billed by the second of hardware it runs on.
 */
export const SDXL: CatalogModel = {
  model: 'stability-ai/sdxl',
  version: '39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b',
  kind: 'image',
  input: (r) =>
    defined({
      prompt: r.prompt,
      negative_prompt: r.negativePrompt,
      ...SDXL_SIZES[r.aspect],
      num_outputs: 1,
      seed: r.seed,
    }),
  output: 'list',
  // Estimate: 25–50 steps at a megapixel on an L40S; Replicate's ~$0.004 a run is ~4 s of it.
  typicalSeconds: 6,
  price: {
    per: 'hardware-second',
    usd: HARDWARE.l40s.usd,
    hardware: HARDWARE.l40s.name,
    source: `${PRICING_PAGE}: gpu-l40s $0.000975/s. Estimate: the L40S is the hardware the model page names as remembered, not re-read here; synexa.ai lists Replicate's SDXL at ~$0.0040 a run, ~4 s of it`,
  },
};

export const IMAGE_MODELS: readonly CatalogModel[] = [FLUX_SCHNELL, SDXL];
