/**
 * The built-in video models, with their real Replicate input fields (from each model's API page,
 * replicate.com/{owner}/{name}/api) and their real output shape.
 */
import type { EmulatedModelSpec, FieldRule, MediaProfile, VideoProfile } from './models.js';

/** replicate.com/lucataco/animate-diff (AnimateDiff on SD 1.5: 16 frames, 8 fps, 512×512). */
export const ANIMATE_DIFF_VERSION = 'beecf59c4aee8d81bf04f0381033dfa10dc16e845b4ae00d281e2fa377e48a9f';
export const WAN_I2V_FAST_VERSION = '4eaf2b01d3bf70d8a2e00b219efeb7cb415855ad18b7dacdc4cae664a73a6eea';
export const MINIMAX_VIDEO_VERSION = 'c8bcc4751328608bb75043b3af7bed4eabcf1a6c0a478d50a4cf57fa04bd5101';

const videoProfile = (video: VideoProfile): MediaProfile => ({ kind: 'video', video });
/** Kling's text fields. */
const PROMPTS: Readonly<Record<string, FieldRule>> = {
  prompt: { type: 'string' },
  negative_prompt: { type: 'string' },
};

export const VIDEO_MODELS: readonly EmulatedModelSpec[] = [
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
