import {
  type CatalogModel,
  type GenerationRequest,
  ModelInputError,
  catalogModel,
  lookalike,
} from '../catalog/index.js';
import { mergeFields } from '../domain/fields.js';
import type { Aspect, Language } from '../domain/shortRequest.js';

/**
 * Our requests as each model's own input, from the model catalog (src/catalog): catalogued models get
 * their real fields; an uncatalogued one gets the fields of its family (or, for video, the prompt
 * alone) with the caller's extra input over them, merged without any prototype key.
 */

/** What a model needs to draw one scene. */
export interface ImageRequest {
  prompt: string;
  aspect: Aspect;
  negativePrompt?: string;
  seed?: number;
}

/**
 * The catalogued model of `kind`, else the lookalike of its family (also for a catalogued model of
 * another kind: its fields are then the wrong ones, and Replicate's 422 says so, typed, as before).
 */
function mapping(model: string, kind: 'image' | 'speech' | 'music'): CatalogModel {
  const known = catalogModel(model);
  return known?.kind === kind ? known : lookalike(model, kind);
}

export function imageModelInput(
  model: string,
  request: ImageRequest,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  // Our defaults first, the caller's extra input over them; a prototype key never gets through.
  return mergeFields(mapping(model, 'image').input(request), extra);
}

/**
 * A video model's input for one clip: text-to-video from the prompt (with the image as first frame
 * where the model takes one), image-to-video from `imageUrl` (a ModelInputError without it); the
 * duration snapped to one the model makes. An uncatalogued model gets the prompt and `extra` only.
 */
export function videoModelInput(
  model: string,
  request: GenerationRequest,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const known = catalogModel(model);
  if (!known) return mergeFields({ prompt: request.prompt }, extra);
  if (known.kind !== 'text-to-video' && known.kind !== 'image-to-video') {
    throw new ModelInputError(`${known.model} is a ${known.kind} model, not a video model`);
  }
  return mergeFields(known.input(request), extra);
}

/**
 * `owner/name` goes to the model endpoint, unless the catalog knows it as a community model (they
 * have none; it runs by the catalogued version); `owner/name:version` goes to /predictions.
 */
export function predictionTarget(model: string): { model: string } | { version: string } {
  const [name, version] = model.split(':');
  if (version) return { version };
  const catalogued = catalogModel(name!)?.version;
  return catalogued ? { version: catalogued } : { model: name! };
}

/** One narration clip from a speech model on Replicate. */
export interface SpeechRequest {
  text: string;
  language: Language;
  voice?: string;
  speed?: number;
}

/**
 * Speech model input: MiniMax speech-02 (every language we accept, voice_id and language_boost) or
 * Kokoro (text, voice, speed; no Russian or Korean voice), from the catalog. Returns the input and
 * the voice used, or the reason the model cannot speak the language.
 */
export function speechModelInput(
  model: string,
  request: SpeechRequest,
): { input: Record<string, unknown>; voice: string } | { unsupported: string } {
  try {
    const speech = mapping(model, 'speech');
    // A speech model reads the text as the prompt; the aspect means nothing to it.
    const generation: GenerationRequest = { ...request, prompt: request.text, aspect: '1:1' };
    const input = speech.input(generation); // a ModelInputError when it has no voice for the language
    return { input, voice: request.voice ?? speech.voices?.[request.language] ?? '' };
  } catch (err) {
    if (err instanceof ModelInputError) return { unsupported: err.message };
    throw err;
  }
}

/**
 * Music input (MusicGen's, replicate.com/meta/musicgen/api, for every music model): a prompt and a
 * length in whole seconds. Its clips stop at 30 s; the soundtrack loops a shorter bed with a cross-fade.
 */
export function musicModelInput(
  request: { prompt: string; durationSec: number },
  model = 'meta/musicgen',
): Record<string, unknown> {
  return mapping(model, 'music').input({ ...request, aspect: '1:1' }); // the aspect means nothing to music
}
