import { mergeFields } from '../domain/fields.js';
import type { Aspect } from '../domain/shortRequest.js';

/** What a model needs to draw one scene; each model family names its inputs differently. */
export interface ImageRequest {
  prompt: string;
  aspect: Aspect;
}

const SDXL_SIZES: Record<Aspect, { width: number; height: number }> = {
  '9:16': { width: 768, height: 1344 },
  '16:9': { width: 1344, height: 768 },
  '1:1': { width: 1024, height: 1024 },
};

export function imageModelInput(
  model: string,
  request: ImageRequest,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const name = model.split(':')[0]!;
  const base: Record<string, unknown> = name.includes('sdxl')
    ? { prompt: request.prompt, ...SDXL_SIZES[request.aspect], num_outputs: 1 }
    : { prompt: request.prompt, aspect_ratio: request.aspect, num_outputs: 1, output_format: 'png' };
  // Our defaults first, the caller's extra input over them; a prototype key never gets through.
  return mergeFields(base, extra);
}

/** `owner/name` goes to the model endpoint; `owner/name:version` (or a bare version) to /predictions. */
export function predictionTarget(model: string): { model: string } | { version: string } {
  const [name, version] = model.split(':');
  return version ? { version } : { model: name! };
}
