/**
 * The built-in image, speech and music models, and the whole built-in table (video models are in
 * builtinVideoModels.ts). Each carries its real Replicate input fields (names, defaults, enums and
 * ranges from each model's API page, replicate.com/{owner}/{name}/api) and its real output shape.
 */
import { TOOL_MODELS } from './builtinToolModels.js';
import { TRANSCRIBE_MODELS } from './builtinTranscribeModels.js';
import { VIDEO_MODELS } from './builtinVideoModels.js';
import { VISION_MODELS } from './builtinVisionModels.js';
import type { EmulatedModelSpec, MediaProfile, MusicProfile, SpeechProfile } from './models.js';

// Version ids: SDXL's is the public one; flux-schnell's is illustrative (official models hide versions).
export const FLUX_SCHNELL_VERSION = 'c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e';
export const SDXL_VERSION = '39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b';
/** replicate.com/minimax/speech-02-turbo/versions (the newest published one). */
export const MINIMAX_SPEECH_VERSION = 'e2e8812b45eefa93b20990418480fe628ddce470f9b72909a175d65e288ff3d5';
export const KOKORO_VERSION = 'f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13';
export const MUSICGEN_VERSION = '671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb';

const MINIMAX_EMOTIONS = [
  'auto', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised', 'calm', 'fluent', 'neutral',
] as const; // prettier-ignore

const speechProfile = (speech: SpeechProfile): MediaProfile => ({ kind: 'speech', speech });
const musicProfile = (music: MusicProfile): MediaProfile => ({ kind: 'music', music });

const IMAGE_AND_AUDIO_MODELS: readonly EmulatedModelSpec[] = [
  { model: 'black-forest-labs/flux-schnell', versions: [FLUX_SCHNELL_VERSION], official: true },
  { model: 'stability-ai/sdxl', versions: [SDXL_VERSION], official: false },
  {
    // text*, voice_id, speed 0.5–2, volume 0–10, pitch −12…12, emotion, english_normalization,
    // sample_rate, bitrate, audio_format (mp3 default), channel, language_boost, subtitle_enable.
    model: 'minimax/speech-02-turbo',
    versions: [MINIMAX_SPEECH_VERSION, '43b17801b02267d0baf70071ff440358f75499f20ad5c51118a2fdad14ba9b8c'],
    official: true,
    output: 'single',
    requiredInputs: ['text'],
    media: speechProfile({
      format: { field: 'audio_format', default: 'mp3' },
      sampleRate: { field: 'sample_rate', default: 32_000 },
      channel: { field: 'channel', default: 'mono' },
      bitrate: { field: 'bitrate', default: 128_000 },
      pitchField: 'pitch',
    }),
    inputRules: {
      text: { type: 'string' },
      voice_id: { type: 'string' },
      speed: { type: 'number', min: 0.5, max: 2 },
      volume: { type: 'number', min: 0, max: 10 },
      pitch: { type: 'integer', min: -12, max: 12 },
      emotion: { enum: MINIMAX_EMOTIONS },
      english_normalization: { type: 'boolean' },
      sample_rate: { enum: [8000, 16_000, 22_050, 24_000, 32_000, 44_100] },
      bitrate: { enum: [32_000, 64_000, 128_000, 256_000] },
      audio_format: { enum: ['mp3', 'wav', 'flac', 'pcm'] },
      channel: { enum: ['mono', 'stereo'] },
      subtitle_enable: { type: 'boolean' },
    },
  },
  {
    // text*, voice (af_bella default), speed 0.1–5; a 24 kHz WAV.
    model: 'jaaari/kokoro-82m',
    versions: [KOKORO_VERSION],
    official: false,
    output: 'single',
    requiredInputs: ['text'],
    media: speechProfile({ format: { default: 'wav' }, sampleRate: { default: 24_000 } }),
    inputRules: { text: { type: 'string' }, voice: { type: 'string' }, speed: { type: 'number', min: 0.1, max: 5 } },
  },
  {
    // prompt, input_audio, duration (8, ≤ 30), model_version, continuation, continuation_start/end,
    // multi_band_diffusion, normalization_strategy, top_k, top_p, temperature,
    // classifier_free_guidance, output_format (wav default), seed. Nothing is required.
    model: 'meta/musicgen',
    versions: [MUSICGEN_VERSION],
    official: false,
    output: 'single',
    requiredInputs: [],
    media: musicProfile({
      duration: { field: 'duration', default: 8 },
      format: { field: 'output_format', default: 'wav' },
      variant: { field: 'model_version', default: 'stereo-melody-large' },
    }),
    inputRules: {
      prompt: { type: 'string' },
      duration: { type: 'integer', min: 1, max: 30 },
      model_version: { enum: ['stereo-melody-large', 'stereo-large', 'melody-large', 'large'] },
      output_format: { enum: ['wav', 'mp3'] },
      normalization_strategy: { enum: ['loudness', 'clip', 'peak', 'rms'] },
      continuation: { type: 'boolean' },
      top_k: { type: 'integer' },
      top_p: { type: 'number' },
      temperature: { type: 'number' },
      classifier_free_guidance: { type: 'integer' },
      seed: { type: 'integer' },
    },
  },
];

export const BUILTIN_MODELS: readonly EmulatedModelSpec[] = [
  ...IMAGE_AND_AUDIO_MODELS,
  ...VIDEO_MODELS,
  ...TOOL_MODELS,
  ...TRANSCRIBE_MODELS,
  ...VISION_MODELS,
];
