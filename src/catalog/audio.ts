import type { Language } from '../domain/shortRequest.js';
import { HARDWARE, ModelInputError, PRICING_PAGE, defined } from './input.js';
import type { CatalogModel, GenerationRequest } from './types.js';

type Voices = Readonly<Partial<Record<Language, string>>>;

/** How a speech model of a family reads a request: the input, the voices, and the model named in errors. */
export type SpeechMapping = Pick<CatalogModel, 'input' | 'voices'>;

/** The voice for a request: the caller's, else the model's default for the language. */
function voiceFor(model: string, voices: Voices, request: GenerationRequest): string {
  const language = request.language ?? 'en';
  const voice = request.voice ?? voices[language];
  if (!voice) {
    throw new ModelInputError(
      `${model} has no ${language} voice; use minimax/speech-02-turbo, ElevenLabs or OpenAI for it`,
    );
  }
  return voice;
}

const MINIMAX_LANGUAGE: Record<Language, string> = {
  en: 'English',
  ru: 'Russian',
  zh: 'Chinese',
  ko: 'Korean',
  ja: 'Japanese',
};
const MINIMAX_VOICES: Voices = {
  en: 'Wise_Woman',
  ru: 'Calm_Woman',
  zh: 'Wise_Woman',
  ko: 'Calm_Woman',
  ja: 'Wise_Woman',
};

/** MiniMax speech (speech-02-turbo and its siblings): text, voice_id, language_boost, speed. */
export function minimaxSpeech(model: string): SpeechMapping {
  return {
    input: (r) =>
      defined({
        text: r.prompt,
        voice_id: voiceFor(model, MINIMAX_VOICES, r),
        language_boost: MINIMAX_LANGUAGE[r.language ?? 'en'],
        speed: r.speed || undefined,
      }),
    voices: MINIMAX_VOICES,
  };
}

/** Kokoro speaks English, Japanese and Mandarin (among others), but neither Russian nor Korean. */
const KOKORO_VOICES: Voices = { en: 'af_bella', ja: 'jf_alpha', zh: 'zf_xiaobei' };

/** Kokoro (and its forks): text, voice, speed. */
export function kokoroSpeech(model: string): SpeechMapping {
  return {
    input: (r) => defined({ text: r.prompt, voice: voiceFor(model, KOKORO_VOICES, r), speed: r.speed || undefined }),
    voices: KOKORO_VOICES,
  };
}

/**
 * MiniMax Speech-02 Turbo (replicate.com/minimax/speech-02-turbo/api): text* (≤ 10,000 characters),
 * voice_id (Wise_Woman), speed 0.5–2, volume, pitch, emotion, english_normalization, sample_rate,
 * bitrate, audio_format (mp3), channel, language_boost, subtitle_enable. One audio URL. Official.
 * It speaks every language we accept.
 */
export const MINIMAX_SPEECH_02_TURBO: CatalogModel = {
  model: 'minimax/speech-02-turbo',
  kind: 'speech',
  ...minimaxSpeech('minimax/speech-02-turbo'),
  output: 'single',
  // Estimate: a "turbo", real-time-oriented model; a scene's narration in a few seconds.
  typicalSeconds: 5,
  price: {
    per: 'input-character',
    usd: 0.06 / 1000,
    source:
      "Estimate: $0.06 per 1,000 input characters, MiniMax's own list price for speech-02-turbo; replicate.com/minimax/speech-2.6-turbo charges $0.06 per 1,000 tokens (≈ characters) and calls that 4× speech-02-turbo, so Replicate may bill less. The higher figure is kept so estimates do not fall short",
  },
};

/**
 * Kokoro 82M (replicate.com/jaaari/kokoro-82m/api, community, by version): text*, voice (af_bella
 * default), speed 0.1–5. A 24 kHz WAV.
 */
export const KOKORO_82M: CatalogModel = {
  model: 'jaaari/kokoro-82m',
  version: 'f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13',
  kind: 'speech',
  ...kokoroSpeech('jaaari/kokoro-82m'),
  output: 'single',
  // Estimate: an 82M-parameter model; most of the time is the container, not the speech.
  typicalSeconds: 15,
  price: {
    per: 'hardware-second',
    usd: HARDWARE.t4.usd,
    hardware: HARDWARE.t4.name,
    source: `${PRICING_PAGE}: gpu-t4 $0.000225/s. Estimate: the T4 is inferred from eachlabs.ai billing this model at $0.0002475/s (the T4 rate plus 10%), not read on the model page`,
  },
};

/** MusicGen makes at most 30 s; whole seconds. */
const musicSeconds = (r: GenerationRequest) => Math.max(1, Math.min(30, Math.ceil(r.durationSec ?? 8)));

/**
 * MusicGen (replicate.com/meta/musicgen/api, community, by version): prompt, input_audio, duration
 * (8; the clips stop at 30 s), model_version, continuation, normalization_strategy, top_k, top_p,
 * temperature, classifier_free_guidance, output_format (wav), seed. One audio URL. The soundtrack
 * loops a shorter bed with a cross-fade.
 */
export const MUSICGEN: CatalogModel = {
  model: 'meta/musicgen',
  version: '671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb',
  kind: 'music',
  input: (r) =>
    defined({
      prompt: r.prompt,
      duration: musicSeconds(r),
      model_version: 'stereo-large',
      output_format: 'wav',
      normalization_strategy: 'loudness',
      seed: r.seed,
    }),
  output: 'single',
  typicalSeconds: 85,
  // Estimate: stereo-large takes about 2.5 s of run time per second of music, plus start-up.
  predictSeconds: (r) => 10 + 2.5 * musicSeconds(r),
  price: {
    per: 'hardware-second',
    usd: HARDWARE['a100-80gb'].usd,
    hardware: HARDWARE['a100-80gb'].name,
    source: `${PRICING_PAGE}: gpu-a100-large $0.0014/s. Estimate: the A100 (80GB) is the hardware the model page names as remembered, not re-read here`,
  },
  seconds: musicSeconds,
};

export const AUDIO_MODELS: readonly CatalogModel[] = [MINIMAX_SPEECH_02_TURBO, KOKORO_82M, MUSICGEN];
