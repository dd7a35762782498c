import { mergeFields } from '../domain/fields.js';
import type { Aspect, Language } from '../domain/shortRequest.js';

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

/** One narration clip from a speech model on Replicate. */
export interface SpeechRequest {
  text: string;
  language: Language;
  voice?: string;
  speed?: number;
}

const MINIMAX_LANGUAGE: Record<Language, string> = {
  en: 'English',
  ru: 'Russian',
  zh: 'Chinese',
  ko: 'Korean',
  ja: 'Japanese',
};
const MINIMAX_VOICE: Record<Language, string> = {
  en: 'Wise_Woman',
  ru: 'Calm_Woman',
  zh: 'Wise_Woman',
  ko: 'Calm_Woman',
  ja: 'Wise_Woman',
};
/** Kokoro speaks English, Japanese and Mandarin (among others), but neither Russian nor Korean. */
const KOKORO_VOICE: Partial<Record<Language, string>> = { en: 'af_bella', ja: 'jf_alpha', zh: 'zf_xiaobei' };

/**
 * Speech model input: MiniMax speech-02 (every language we accept, voice_id and language_boost;
 * schema from replicate.com/minimax/speech-02-turbo/api) or Kokoro (text, voice, speed; schema from
 * replicate.com/jaaari/kokoro-82m/api). Returns the input and the voice used, or the reason the
 * model cannot speak the language.
 */
export function speechModelInput(
  model: string,
  request: SpeechRequest,
): { input: Record<string, unknown>; voice: string } | { unsupported: string } {
  const name = model.split(':')[0]!;
  if (name.includes('kokoro')) {
    const voice = request.voice ?? KOKORO_VOICE[request.language];
    if (!voice)
      return {
        unsupported: `${name} has no ${request.language} voice; use minimax/speech-02-turbo, ElevenLabs or OpenAI for it`,
      };
    return { input: { text: request.text, voice, ...(request.speed ? { speed: request.speed } : {}) }, voice };
  }
  const voice = request.voice ?? MINIMAX_VOICE[request.language];
  return {
    input: {
      text: request.text,
      voice_id: voice,
      language_boost: MINIMAX_LANGUAGE[request.language],
      ...(request.speed ? { speed: request.speed } : {}),
    },
    voice,
  };
}

/**
 * MusicGen input (replicate.com/meta/musicgen/api): a prompt and a length in whole seconds. Its
 * clips stop at 30 s; the soundtrack loops a shorter bed with a cross-fade.
 */
export function musicModelInput(request: { prompt: string; durationSec: number }): Record<string, unknown> {
  return {
    prompt: request.prompt,
    duration: Math.max(1, Math.min(30, Math.ceil(request.durationSec))),
    model_version: 'stereo-large',
    output_format: 'wav',
    normalization_strategy: 'loudness',
  };
}
