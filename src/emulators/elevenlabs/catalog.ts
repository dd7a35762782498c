/**
 * The voices and models the emulator knows, in the JSON shapes of GET /v1/voices and GET /v1/models.
 *
 * Rachel, Adam, George, Sarah, Charlotte, Matilda and Aria are real premade voice ids (with the labels the API gives them), so
 * configuration written for the real service works unchanged. The other voices are the emulator's
 * own: the premade set is English-accented, and we want one native voice per script we speak.
 */
import type { Language } from '../../domain/shortRequest.js';

export interface EmulatedVoice {
  voice_id: string;
  name: string;
  /** Shown as the API shows them (accent, age, gender, use_case, language, …). */
  labels: Readonly<Record<string, string>>;
  category?: 'premade' | 'cloned' | 'generated' | 'professional';
  description?: string;
}

export const BUILTIN_VOICES: readonly EmulatedVoice[] = [
  voice('21m00Tcm4TlvDq8ikWAM', 'Rachel', 'en', 'american', 'young', 'female', 'calm'),
  voice('pNInz6obpgDQGcFmaJgB', 'Adam', 'en', 'american', 'middle aged', 'male', 'deep'),
  voice('JBFqnCBsd6RMkjVDRZzb', 'George', 'en', 'british', 'middle aged', 'male', 'warm'),
  // reelflow's default narrators for ru, zh, ko and ja (premade voices that speak every language
  // through eleven_multilingual_v2); the emulator speaks each text in its own script's voice.
  voice('EXAVITQu4vr4xnSDxMaL', 'Sarah', 'en', 'american', 'young', 'female', 'soft'),
  voice('XB0fDUnXU5powFXDhCwa', 'Charlotte', 'en', 'swedish', 'young', 'female', 'seductive'),
  voice('XrExE9yKIg1WjnnlVkGX', 'Matilda', 'en', 'american', 'middle aged', 'female', 'friendly'),
  voice('9BWtsMINqrJLrRacOk9x', 'Aria', 'en', 'american', 'middle aged', 'female', 'expressive'),
  voice('emuRuVoiceDmitri0001', 'Dmitri', 'ru', 'russian', 'middle aged', 'male', 'steady'),
  voice('emuZhVoiceMeiLin0001', 'Mei Lin', 'zh', 'mandarin', 'young', 'female', 'bright'),
  voice('emuKoVoiceJiwoo00001', 'Jiwoo', 'ko', 'seoul', 'young', 'female', 'soft'),
  voice('emuJaVoiceHaruto0001', 'Haruto', 'ja', 'standard', 'young', 'male', 'clear'),
];

function voice(
  voice_id: string,
  name: string,
  language: Language,
  accent: string,
  age: string,
  gender: 'male' | 'female',
  description: string,
): EmulatedVoice {
  return {
    voice_id,
    name,
    category: 'premade',
    labels: { accent, description, age, gender, use_case: 'narration', language },
  };
}

/** espeak-ng's "+f3"/"+m3" variants, so a female voice does not sound like the male default. */
export function espeakVariant(v: EmulatedVoice): string {
  return v.labels.gender === 'female' ? '+f3' : '+m3';
}

/** GET /v1/voices entry: the fields the official client reads, with the real API's defaults. */
export function voiceJson(v: EmulatedVoice): Record<string, unknown> {
  return {
    voice_id: v.voice_id,
    name: v.name,
    samples: null,
    category: v.category ?? 'premade',
    fine_tuning: null,
    labels: { ...v.labels },
    description: v.description ?? null,
    preview_url: null,
    available_for_tiers: [],
    settings: null,
    sharing: null,
    high_quality_base_model_ids: MODELS.map((m) => m.model_id),
    verified_languages: [],
    is_owner: false,
    is_legacy: false,
    is_mixed: false,
  };
}

export interface EmulatedModel {
  model_id: string;
  name: string;
  /** Credits billed per character. */
  costPerCharacter: number;
  /** Longest text one request may carry (help center "API - Error Code 400 or 401"). */
  maxCharacters: number;
}

export const DEFAULT_MODEL_ID = 'eleven_multilingual_v2';

export const MODELS: readonly EmulatedModel[] = [
  { model_id: 'eleven_multilingual_v2', name: 'Eleven Multilingual v2', costPerCharacter: 1, maxCharacters: 10_000 },
  { model_id: 'eleven_flash_v2_5', name: 'Eleven Flash v2.5', costPerCharacter: 0.5, maxCharacters: 40_000 },
  { model_id: 'eleven_turbo_v2_5', name: 'Eleven Turbo v2.5', costPerCharacter: 0.5, maxCharacters: 40_000 },
];

const LANGUAGES = [
  { language_id: 'en', name: 'English' },
  { language_id: 'ru', name: 'Russian' },
  { language_id: 'zh', name: 'Chinese' },
  { language_id: 'ko', name: 'Korean' },
  { language_id: 'ja', name: 'Japanese' },
];

/** GET /v1/models entry. Only the languages espeak-ng speaks for us are listed. */
export function modelJson(m: EmulatedModel): Record<string, unknown> {
  return {
    model_id: m.model_id,
    name: m.name,
    can_be_finetuned: true,
    can_do_text_to_speech: true,
    can_do_voice_conversion: false,
    can_use_style: true,
    can_use_speaker_boost: true,
    serves_pro_voices: false,
    token_cost_factor: 1,
    description: `${m.name} (emulated with espeak-ng)`,
    requires_alpha_access: false,
    max_characters_request_subscribed_user: m.maxCharacters,
    maximum_text_length_per_request: m.maxCharacters,
    languages: LANGUAGES.map((l) => ({ ...l })),
    model_rates: { character_cost_multiplier: m.costPerCharacter },
    concurrency_group: 'standard',
  };
}
