/**
 * The model catalog: every Replicate model reelflow knows, as data (data files by kind: images.ts,
 * videos.ts, audio.ts), looked up by `owner/name`, `owner/name:version` or a bare version id.
 * Pure and deterministic, so workflows can import it for timeouts and estimates.
 */
import { MINIMAX_SPEECH_02_TURBO, MUSICGEN, kokoroSpeech, minimaxSpeech } from './audio.js';
import { FLUX_SCHNELL, SDXL } from './images.js';
import { parseModelRef } from './lookup.js';
import type { CatalogModel } from './types.js';

export type { CatalogModel, GenerationRequest, InputRates, ModelKind, Price } from './types.js';
export { CATALOG, catalogModel, modelsOfKind, parseModelRef } from './lookup.js';
export { ModelInputError, snapDuration } from './input.js';
export { actualCost, estimateCost, type Cost, type CostRequest, type PredictionUsage } from './cost.js';

const UNKNOWN = { price: { per: 'unknown' }, version: undefined } as const;

/**
 * For a model the catalog does not know: the catalogued model of the same family, by name (an SDXL
 * fine-tune maps like SDXL, other image models like FLUX; Kokoro forks like Kokoro, other speech like
 * MiniMax; every music model like MusicGen), carrying the model's own name and an unknown price. This
 * is how uncatalogued models were always mapped; there is no family for video models.
 */
export function lookalike(modelRef: string, kind: 'image' | 'speech' | 'music'): CatalogModel {
  const model = parseModelRef(modelRef).name;
  const family = model.toLowerCase();
  switch (kind) {
    case 'image':
      return { ...(family.includes('sdxl') ? SDXL : FLUX_SCHNELL), ...UNKNOWN, model };
    case 'speech': {
      const mapping = family.includes('kokoro') ? kokoroSpeech(model) : minimaxSpeech(model);
      return { ...MINIMAX_SPEECH_02_TURBO, ...mapping, ...UNKNOWN, model };
    }
    case 'music':
      return { ...MUSICGEN, ...UNKNOWN, model };
  }
}
