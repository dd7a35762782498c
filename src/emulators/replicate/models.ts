/**
 * Registry of models the emulator knows, plus Replicate-style input validation.
 *
 * The built-in models carry their real Replicate input fields (names, defaults, enums and ranges
 * from each model's API page, replicate.com/{owner}/{name}/api) and their real output shape; what
 * each kind of output is made of lives in media.ts.
 */

/** What a model's outputs are: solid PNGs, espeak-ng speech, an instrumental bed, or an MP4. */
export type OutputKind = 'image' | 'speech' | 'music' | 'video';

/** One input field's schema rule, checked like Replicate's (pydantic) validation. */
export interface FieldRule {
  type?: 'string' | 'number' | 'integer' | 'boolean';
  enum?: readonly (string | number)[];
  min?: number;
  max?: number;
}

export type AudioFormat = 'mp3' | 'wav' | 'flac' | 'pcm';

/** A value the model reads from `field` when the input has it, else `default`. */
export interface Setting<T> {
  field?: string;
  default: T;
}

export interface SpeechProfile {
  format: Setting<AudioFormat>;
  sampleRate: Setting<number>;
  /** "mono" | "stereo" */
  channel?: Setting<string>;
  /** MP3 bitrate in bits per second. */
  bitrate?: Setting<number>;
  /** Semitones, −12…12. */
  pitchField?: string;
}

export interface MusicProfile {
  duration: Setting<number>;
  format: Setting<'wav' | 'mp3'>;
  /** Model variant; variants whose name starts with "stereo" make stereo beds, the others mono. */
  variant: Setting<string>;
}

export interface VideoProfile {
  /** Frames per second (fixed when no field). */
  fps: Setting<number>;
  /** Length as seconds (Kling's `duration`) or as a frame count (Wan's `num_frames`). */
  length: { seconds: Setting<number> } | { frames: Setting<number> };
  /** Resolution tier → its short side in pixels (720p → 720), before the emulator scales it down. */
  resolution: Setting<string> & { tiers: Readonly<Record<string, number>> };
  /** Aspect when no image sets it ("16:9"). */
  aspect: Setting<string>;
  /** Inputs that hold the first frame, in the order the model prefers them. */
  imageFields: readonly string[];
}

export type MediaProfile =
  | { kind: 'image' }
  | { kind: 'speech'; speech: SpeechProfile }
  | { kind: 'music'; music: MusicProfile }
  | { kind: 'video'; video: VideoProfile };

export interface EmulatedModelSpec {
  /** "owner/name" */
  model: string;
  /** Version ids, newest first. Defaults to one synthetic id derived from the name. */
  versions?: string[];
  /**
   * Official models accept `POST /models/{owner}/{name}/predictions` and
   * `version: "owner/name"`; community models need a version id (as on Replicate).
   * Default true.
   */
  official?: boolean;
  /** Input keys that must be present (non-empty). Default ['prompt']. */
  requiredInputs?: string[];
  /** 'list' → output is an array of URLs (length from input.num_outputs, default 1); 'single' → one URL. Default 'list'. */
  output?: 'list' | 'single';
  /** What the outputs are. Default 'image'. */
  kind?: OutputKind;
  /** How the kind's output reads the input; default: a generic profile for the kind. */
  media?: MediaProfile;
  /** Schema rules for input fields (type, enum, range); a value that breaks one is a 422. */
  inputRules?: Readonly<Record<string, FieldRule>>;
  /** Per-model latency override (seconds, mean). */
  latencySeconds?: number;
  /** Per-model jitter override (fraction). */
  jitter?: number;
}

export interface EmulatedModel {
  model: string;
  versions: string[];
  official: boolean;
  requiredInputs: string[];
  output: 'list' | 'single';
  kind: OutputKind;
  media: MediaProfile;
  inputRules: Readonly<Record<string, FieldRule>>;
  latencySeconds?: number;
  jitter?: number;
}

// Version ids: SDXL's is the public one; flux-schnell's is illustrative (official models hide versions).
export const FLUX_SCHNELL_VERSION = 'c846a69991daf4c0e5d016514849d14ee5b2e6846ce6b9d6f21369e564cfe51e';
export const SDXL_VERSION = '39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b';
/** replicate.com/minimax/speech-02-turbo/versions (the newest published one). */
export const MINIMAX_SPEECH_VERSION = 'e2e8812b45eefa93b20990418480fe628ddce470f9b72909a175d65e288ff3d5';
export const KOKORO_VERSION = 'f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13';
export const MUSICGEN_VERSION = '671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb';
/** replicate.com/lucataco/animate-diff (AnimateDiff on SD 1.5: 16 frames, 8 fps, 512×512). */
export const ANIMATE_DIFF_VERSION = 'beecf59c4aee8d81bf04f0381033dfa10dc16e845b4ae00d281e2fa377e48a9f';
export const WAN_I2V_FAST_VERSION = '4eaf2b01d3bf70d8a2e00b219efeb7cb415855ad18b7dacdc4cae664a73a6eea';
export const MINIMAX_VIDEO_VERSION = 'c8bcc4751328608bb75043b3af7bed4eabcf1a6c0a478d50a4cf57fa04bd5101';

const MINIMAX_EMOTIONS = [
  'auto', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised', 'calm', 'fluent', 'neutral',
] as const; // prettier-ignore

const speechProfile = (speech: SpeechProfile): MediaProfile => ({ kind: 'speech', speech });
const musicProfile = (music: MusicProfile): MediaProfile => ({ kind: 'music', music });
const videoProfile = (video: VideoProfile): MediaProfile => ({ kind: 'video', video });
/** Kling's text fields. */
const PROMPTS: Readonly<Record<string, FieldRule>> = {
  prompt: { type: 'string' },
  negative_prompt: { type: 'string' },
};

export const BUILTIN_MODELS: readonly EmulatedModelSpec[] = [
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
  {
    // prompt*, start_image* (its aspect is the video's), mode standard (720p) | pro (1080p),
    // duration 5 | 10, negative_prompt, end_image (pro only). 24 fps.
    model: 'kwaivgi/kling-v2.1',
    official: true,
    output: 'single',
    requiredInputs: ['prompt', 'start_image'],
    media: videoProfile({
      fps: { default: 24 },
      length: { seconds: { field: 'duration', default: 5 } },
      resolution: { field: 'mode', default: 'standard', tiers: { standard: 720, pro: 1080 } },
      aspect: { default: '16:9' },
      imageFields: ['start_image'],
    }),
    inputRules: {
      ...PROMPTS,
      start_image: { type: 'string' },
      end_image: { type: 'string' },
      mode: { enum: ['standard', 'pro'] },
      duration: { enum: [5, 10] },
    },
  },
  {
    // prompt*, start_image (image-to-video), image (deprecated alias), aspect_ratio 16:9 | 9:16 |
    // 1:1 (ignored with a start image), duration 5 | 10, negative_prompt. 1080p, 24 fps.
    model: 'kwaivgi/kling-v2.5-turbo-pro',
    official: true,
    output: 'single',
    requiredInputs: ['prompt'],
    media: videoProfile({
      fps: { default: 24 },
      length: { seconds: { field: 'duration', default: 5 } },
      resolution: { default: '1080p', tiers: { '1080p': 1080 } },
      aspect: { field: 'aspect_ratio', default: '16:9' },
      imageFields: ['start_image', 'image'],
    }),
    inputRules: {
      ...PROMPTS,
      start_image: { type: 'string' },
      image: { type: 'string' },
      aspect_ratio: { enum: ['16:9', '9:16', '1:1'] },
      duration: { enum: [5, 10] },
    },
  },
  {
    // path, seed, steps 1–100, prompt (has a default), n_prompt, motion_module, guidance_scale 1–10.
    // No length or size inputs: 16 frames at 8 fps, 512×512, as AnimateDiff's own sampler makes.
    model: 'lucataco/animate-diff',
    versions: [ANIMATE_DIFF_VERSION],
    official: false,
    output: 'single',
    requiredInputs: [],
    media: videoProfile({
      fps: { default: 8 },
      length: { frames: { default: 16 } },
      resolution: { default: '512', tiers: { '512': 512 } },
      aspect: { default: '1:1' },
      imageFields: [],
    }),
    inputRules: {
      prompt: { type: 'string' },
      n_prompt: { type: 'string' },
      path: { type: 'string' },
      motion_module: { type: 'string' },
      steps: { type: 'integer', min: 1, max: 100 },
      guidance_scale: { type: 'number', min: 1, max: 10 },
      seed: { type: 'integer', min: 0, max: 2_147_483_647 },
    },
  },
  {
    // image*, prompt*, num_frames 81–121 (81), frames_per_second 5–30 (16), resolution 480p | 720p,
    // go_fast, sample_shift, interpolate_output, seed, disable_safety_checker. Aspect from the image.
    model: 'wan-video/wan-2.2-i2v-fast',
    versions: [WAN_I2V_FAST_VERSION],
    official: true,
    output: 'single',
    requiredInputs: ['image', 'prompt'],
    media: videoProfile({
      fps: { field: 'frames_per_second', default: 16 },
      length: { frames: { field: 'num_frames', default: 81 } },
      resolution: { field: 'resolution', default: '480p', tiers: { '480p': 480, '720p': 720 } },
      aspect: { default: '16:9' },
      imageFields: ['image'],
    }),
    inputRules: {
      image: { type: 'string' },
      prompt: { type: 'string' },
      num_frames: { type: 'integer', min: 81, max: 121 },
      frames_per_second: { type: 'integer', min: 5, max: 30 },
      resolution: { enum: ['480p', '720p'] },
      go_fast: { type: 'boolean' },
      sample_shift: { type: 'number', min: 1, max: 20 },
      interpolate_output: { type: 'boolean' },
      seed: { type: 'integer' },
    },
  },
  {
    // prompt*, prompt_optimizer (true), first_frame_image (its aspect is the video's),
    // subject_reference. 6 s of 720p at 25 fps.
    model: 'minimax/video-01',
    versions: [MINIMAX_VIDEO_VERSION],
    official: true,
    output: 'single',
    requiredInputs: ['prompt'],
    media: videoProfile({
      fps: { default: 25 },
      length: { seconds: { default: 6 } },
      resolution: { default: '720p', tiers: { '720p': 720 } },
      aspect: { default: '16:9' },
      imageFields: ['first_frame_image'],
    }),
    inputRules: {
      prompt: { type: 'string' },
      prompt_optimizer: { type: 'boolean' },
      first_frame_image: { type: 'string' },
      subject_reference: { type: 'string' },
    },
  },
];

/** The profile a registered model of `kind` gets when its spec names none. */
export function genericProfile(kind: OutputKind): MediaProfile {
  switch (kind) {
    case 'image':
      return { kind };
    case 'speech':
      return { kind, speech: { format: { field: 'audio_format', default: 'wav' }, sampleRate: { default: 24_000 } } };
    case 'music':
      return {
        kind,
        music: {
          duration: { field: 'duration', default: 8 },
          format: { field: 'output_format', default: 'wav' },
          variant: { field: 'model_version', default: 'stereo' },
        },
      };
    case 'video':
      return {
        kind,
        video: {
          fps: { field: 'fps', default: 24 },
          length: { seconds: { field: 'duration', default: 5 } },
          resolution: { field: 'resolution', default: '720p', tiers: { '480p': 480, '720p': 720, '1080p': 1080 } },
          aspect: { field: 'aspect_ratio', default: '16:9' },
          imageFields: ['start_image', 'image', 'first_frame_image'],
        },
      };
  }
}

function syntheticVersion(model: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${round}:${model}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

export type Resolution =
  { ok: true; model: EmulatedModel; version: string } | { ok: false; status: 404 | 422; title: string; detail: string };

/** A failed validation: Replicate's detail text plus its `invalid_fields` list. */
export interface InputProblem {
  detail: string;
  invalidFields: { type: string; field: string; description: string }[];
}

export class ModelRegistry {
  private readonly byName = new Map<string, EmulatedModel>();
  private readonly byVersion = new Map<string, EmulatedModel>();

  constructor(specs: readonly EmulatedModelSpec[]) {
    for (const spec of specs) this.register(spec);
  }

  register(spec: EmulatedModelSpec): EmulatedModel {
    if (!/^[^/\s]+\/[^/:\s]+$/.test(spec.model))
      throw new Error(`invalid model name "${spec.model}" (want owner/name)`);
    const kind = spec.media?.kind ?? spec.kind ?? 'image';
    if (spec.kind && spec.media && spec.media.kind !== spec.kind)
      throw new Error(
        `model "${spec.model}": kind "${spec.kind}" does not match its media profile (${spec.media.kind})`,
      );
    const model: EmulatedModel = {
      model: spec.model,
      versions: spec.versions?.length ? [...spec.versions] : [syntheticVersion(spec.model)],
      official: spec.official ?? true,
      requiredInputs: spec.requiredInputs ?? ['prompt'],
      output: spec.output ?? 'list',
      kind,
      media: spec.media ?? genericProfile(kind),
      inputRules: spec.inputRules ?? {},
      ...(spec.latencySeconds !== undefined ? { latencySeconds: spec.latencySeconds } : {}),
      ...(spec.jitter !== undefined ? { jitter: spec.jitter } : {}),
    };
    this.byName.set(model.model, model);
    for (const v of model.versions) this.byVersion.set(v, model);
    return model;
  }

  /** `POST /models/{owner}/{name}/predictions` */
  resolveByModel(name: string): Resolution {
    const model = this.byName.get(name);
    if (!model) return notFound(`Model ${name} not found`);
    if (!model.official) {
      return notFound(`Model ${name} is not an official model; create the prediction with a version id`);
    }
    return { ok: true, model, version: model.versions[0]! };
  }

  /** `POST /predictions` with `version`: "<id>", "owner/name:<id>" or (official models) "owner/name". */
  resolveByVersion(ref: unknown): Resolution {
    if (typeof ref !== 'string' || ref === '') {
      return { ok: false, status: 422, title: 'Invalid version or not permitted', detail: 'version is required' };
    }
    const m = /^([^/]+\/[^/:]+)(?::(.+))?$/.exec(ref);
    if (m && m[2] === undefined) return this.resolveByModel(m[1]!);
    const id = m ? m[2]! : ref;
    const model = this.byVersion.get(id);
    if (!model || (m && m[1] !== model.model)) {
      return {
        ok: false,
        status: 422,
        title: 'Invalid version or not permitted',
        detail: 'Invalid version or not permitted',
      };
    }
    return { ok: true, model, version: id };
  }

  /** The problem with an input, phrased as Replicate's 422 phrases it, or undefined when it is valid. */
  validateInput(model: EmulatedModel, input: unknown): InputProblem | undefined {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      const given = input === undefined ? 'null' : Array.isArray(input) ? 'array' : typeof input;
      return problem([
        { type: 'invalid_type', field: 'input', description: `Invalid type. Expected: object, given: ${given}` },
      ]);
    }
    const rec = input as Record<string, unknown>;
    const missing = model.requiredInputs.filter((k) => rec[k] === undefined || rec[k] === null || rec[k] === '');
    if (missing.length) {
      return problem(missing.map((k) => ({ type: 'required', field: 'input', description: `${k} is required` })));
    }
    const issues: InputProblem['invalidFields'] = [];
    for (const [field, rule] of Object.entries(model.inputRules)) {
      const value = rec[field];
      if (value === undefined || value === null) continue;
      const broken = breaks(field, value, rule);
      if (broken) issues.push({ type: broken.type, field: `input.${field}`, description: broken.description });
    }
    if (issues.length) return problem(issues);
    if (model.kind === 'image') {
      const n = rec.num_outputs;
      if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 4)) {
        return problem([
          { type: 'number_range', field: 'input.num_outputs', description: 'Must be an integer between 1 and 4' },
        ]);
      }
    }
    return undefined;
  }
}

function problem(invalidFields: InputProblem['invalidFields']): InputProblem {
  return { detail: invalidFields.map((f) => `- ${f.field}: ${f.description}`).join('\n'), invalidFields };
}

function typeOf(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** How `value` breaks `rule`, in Replicate's words, or undefined. */
function breaks(field: string, value: unknown, rule: FieldRule): { type: string; description: string } | undefined {
  if (rule.type) {
    const given = typeOf(value);
    const ok = rule.type === 'number' ? typeof value === 'number' && Number.isFinite(value) : given === rule.type;
    if (!ok) return { type: 'invalid_type', description: `Invalid type. Expected: ${rule.type}, given: ${given}` };
  }
  if (rule.enum && !rule.enum.includes(value as string | number)) {
    const options = rule.enum.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');
    return { type: 'enum', description: `${field} must be one of the following: ${options}` };
  }
  if (typeof value === 'number') {
    if (rule.min !== undefined && value < rule.min)
      return { type: 'number_gte', description: `Must be greater than or equal to ${rule.min}` };
    if (rule.max !== undefined && value > rule.max)
      return { type: 'number_lte', description: `Must be less than or equal to ${rule.max}` };
  }
  return undefined;
}

function notFound(detail: string): Resolution {
  return { ok: false, status: 404, title: 'Not found', detail };
}
