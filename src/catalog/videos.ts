import { HARDWARE, PRICING_PAGE, defined, requireImage, snapDuration } from './input.js';
import type { CatalogModel, GenerationRequest } from './types.js';

/** Kling makes 5 s or 10 s clips. */
const KLING_DURATIONS = [5, 10] as const;
const klingSeconds = (r: GenerationRequest) => snapDuration(KLING_DURATIONS, r.durationSec ?? 5);

/**
 * Kling v2.1 (replicate.com/kwaivgi/kling-v2.1/api): prompt*, start_image* (the video takes its
 * aspect), mode standard (720p) | pro (1080p), duration 5 | 10, negative_prompt, end_image (pro only).
 * One MP4 at 24 fps. Official model. We send mode standard; `{ "mode": "pro" }` in modelInput buys 1080p.
 */
export const KLING_V21: CatalogModel = {
  model: 'kwaivgi/kling-v2.1',
  kind: 'image-to-video',
  input: (r) =>
    defined({
      prompt: r.prompt,
      start_image: requireImage('kwaivgi/kling-v2.1', r),
      mode: 'standard',
      duration: klingSeconds(r),
      negative_prompt: r.negativePrompt,
    }),
  output: 'single',
  // Estimate: a few minutes for a 5 s standard clip, pro and 10 s take longer.
  typicalSeconds: 180,
  price: {
    per: 'output-second',
    usd: 0.05,
    byInput: { field: 'mode', default: 'standard', usd: { standard: 0.05, pro: 0.09 } },
    source:
      "replicate.com/kwaivgi/kling-v2.1: $0.05/s of output video in standard (720p), $0.09/s in pro (1080p), as copied from it by DaWe35/image-router's Replicate table ($0.25 / $0.45 a 5 s clip); the page itself was not read, so treat it as an estimate",
  },
  durations: KLING_DURATIONS,
  seconds: klingSeconds,
};

/**
 * Kling v2.5 Turbo Pro (replicate.com/kwaivgi/kling-v2.5-turbo-pro/api): prompt*, start_image
 * (optional: image-to-video), aspect_ratio 16:9 | 9:16 | 1:1 (ignored with a start image, so not
 * sent then), duration 5 | 10, negative_prompt. One 1080p MP4. Official model.
 */
export const KLING_V25_TURBO_PRO: CatalogModel = {
  model: 'kwaivgi/kling-v2.5-turbo-pro',
  kind: 'text-to-video',
  input: (r) =>
    defined({
      prompt: r.prompt,
      ...(r.imageUrl ? { start_image: r.imageUrl } : { aspect_ratio: r.aspect }),
      duration: klingSeconds(r),
      negative_prompt: r.negativePrompt,
    }),
  output: 'single',
  // Estimate: "turbo", a minute or two for a 5 s clip.
  typicalSeconds: 120,
  price: {
    per: 'output-second',
    usd: 0.07,
    source:
      'replicate.com/kwaivgi/kling-v2.5-turbo-pro: $0.07 per second of output video (as cited from that page in public project docs; both durations, every aspect)',
  },
  durations: KLING_DURATIONS,
  seconds: klingSeconds,
};

/** Wan 2.2 runs at 16 fps by default and makes 81–121 frames (about 5–7.5 s). */
const WAN_FPS = 16;
const wanFrames = (r: GenerationRequest) =>
  Math.min(121, Math.max(81, Math.round((r.durationSec ?? 81 / WAN_FPS) * WAN_FPS)));

/**
 * Wan 2.2 image-to-video, fast (replicate.com/wan-video/wan-2.2-i2v-fast/api): image*, prompt*,
 * num_frames 81–121 (81), frames_per_second 5–30 (16), resolution 480p | 720p, go_fast, sample_shift,
 * interpolate_output, seed. The aspect is the image's. One MP4. Official model (run by name).
 */
export const WAN_22_I2V_FAST: CatalogModel = {
  model: 'wan-video/wan-2.2-i2v-fast',
  kind: 'image-to-video',
  input: (r) =>
    defined({
      image: requireImage('wan-video/wan-2.2-i2v-fast', r),
      prompt: r.prompt,
      num_frames: wanFrames(r),
      frames_per_second: WAN_FPS,
      resolution: '480p',
      seed: r.seed,
    }),
  output: 'single',
  // Estimate: "fast" — well under a minute at 480p.
  typicalSeconds: 45,
  price: {
    per: 'output',
    usd: 0.05,
    byInput: { field: 'resolution', default: '480p', usd: { '480p': 0.05, '720p': 0.11 } },
    source:
      "replicate.com/wan-video/wan-2.2-i2v-fast: $0.05 per video at 480p, $0.11 at 720p (from a public project's test table checked against Replicate's price pages; the page itself was not read)",
  },
  seconds: (r) => wanFrames(r) / WAN_FPS,
};

/**
 * Hailuo video-01 (replicate.com/minimax/video-01/api): prompt*, prompt_optimizer (true),
 * first_frame_image (the video takes its aspect), subject_reference. Always 6 s of 720p at 25 fps;
 * no duration, size or seed input. One MP4. Official model.
 */
export const MINIMAX_VIDEO_01: CatalogModel = {
  model: 'minimax/video-01',
  kind: 'text-to-video',
  input: (r) => defined({ prompt: r.prompt, first_frame_image: r.imageUrl }),
  output: 'single',
  // segmind.com measures ~178 s a generation of the same model.
  typicalSeconds: 180,
  price: {
    per: 'output',
    usd: 0.5,
    source:
      'replicate.com/minimax/video-01: $0.50 per video. Estimate: not read from the page; segmind.com resells the model at $0.625 a generation (a 25% markup on $0.50)',
  },
  durations: [6],
  seconds: () => 6,
};

/**
 * AnimateDiff on SD 1.5 (replicate.com/lucataco/animate-diff/api, community, by version): prompt,
 * n_prompt, seed, steps 1–100 (25), guidance_scale 1–10 (7.5), path (the SD 1.5 checkpoint),
 * motion_module. No image, size or length input: 16 frames at 8 fps (2 s), 512×512. One file.
 */
export const ANIMATE_DIFF: CatalogModel = {
  model: 'lucataco/animate-diff',
  version: 'beecf59c4aee8d81bf04f0381033dfa10dc16e845b4ae00d281e2fa377e48a9f',
  kind: 'text-to-video',
  input: (r) => defined({ prompt: r.prompt, n_prompt: r.negativePrompt, seed: r.seed }),
  output: 'single',
  // Estimate: 25 steps × 16 frames of SD 1.5.
  typicalSeconds: 45,
  price: {
    per: 'hardware-second',
    usd: HARDWARE['a40-large'].usd,
    hardware: HARDWARE['a40-large'].name,
    source: `${PRICING_PAGE}: gpu-a40-large $0.000725/s. Estimate: the hardware this model runs on was not confirmed (an A40 (Large), as many 2023 community models)`,
  },
  durations: [2],
  seconds: () => 2,
};

export const VIDEO_MODELS: readonly CatalogModel[] = [
  KLING_V21,
  KLING_V25_TURBO_PRO,
  WAN_22_I2V_FAST,
  MINIMAX_VIDEO_01,
  ANIMATE_DIFF,
];
