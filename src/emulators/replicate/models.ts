/**
 * What the emulator knows a model to be: its output kind, how that kind's output reads the input
 * (the media profiles), its input rules, and the profile a kind gets when a spec names none.
 *
 * The built-in models (builtinModels.ts, builtinVideoModels.ts) carry their real Replicate input
 * fields and output shape; modelRegistry.ts resolves them, inputValidation.ts checks their inputs,
 * and what each kind of output is made of lives in media.ts.
 */

/** What a model's outputs are: solid PNGs, espeak-ng speech, an instrumental bed, an MP4, or JSON read from a file. */
export type OutputKind = 'image' | 'speech' | 'music' | 'video' | 'tool' | 'transcript' | 'caption';

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

/** An image tool: what it does to its input picture, and which input fields hold it. */
export interface ToolProfile {
  op: 'remove-background' | 'upscale' | 'restore-face' | 'inpaint' | 'colorize';
  /** The picture's fields, first set one wins (bria takes `image` or `image_url`). */
  imageFields: readonly string[];
  maskField?: string;
  scaleField?: string;
  defaultScale?: number;
}

export type MediaProfile =
  | { kind: 'image' }
  | { kind: 'tool'; tool: ToolProfile }
  /** Speech recognition: JSON output (no files) heard from the audio file in `audioField`. */
  | { kind: 'transcript'; transcript: { audioField: string } }
  /**
   * A vision model: JSON output (no files) that says what the picture in `imageField` shows. LLaVA
   * streams its answer as a list of tokens, BLIP returns one string ("Caption: …").
   */
  | { kind: 'caption'; caption: { imageField: string; output: 'tokens' | 'text' } }
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
    case 'transcript':
      return { kind, transcript: { audioField: 'audio_file' } };
    case 'caption':
      return { kind, caption: { imageField: 'image', output: 'text' } };
    case 'tool':
      return { kind, tool: { op: 'upscale', imageFields: ['image'], scaleField: 'scale', defaultScale: 2 } };
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
