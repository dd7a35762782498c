/**
 * The image tools' models, with their real Replicate input fields (names, defaults, enums and
 * ranges from each model's API page) and output shapes; src/catalog/tools.ts maps our calls onto
 * them. They are community models, run by version and billed by time (no output metrics), except
 * what their pages say otherwise.
 */
import type { EmulatedModelSpec } from './models.js';

export const TOOL_MODELS: readonly EmulatedModelSpec[] = [
  {
    // image (file) or image_url, preserve_alpha (true), content_moderation (false); one PNG.
    model: 'bria/remove-background',
    versions: ['4ed060b3587b7c3912353dd7d59000c883a6e1c5c9181ed7415c2624c2e8e392'],
    official: false,
    kind: 'tool',
    output: 'single',
    requiredInputs: [],
    media: { kind: 'tool', tool: { op: 'remove-background', imageFields: ['image', 'image_url'] } },
    inputRules: {
      preserve_alpha: { type: 'boolean' },
      content_moderation: { type: 'boolean' },
      preserve_partial_alpha: { type: 'boolean' },
    },
  },
  {
    // image*, scale 0–10 (default 4), face_enhance (false); one PNG.
    model: 'nightmareai/real-esrgan',
    versions: ['42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b'],
    official: false,
    kind: 'tool',
    output: 'single',
    requiredInputs: ['image'],
    media: { kind: 'tool', tool: { op: 'upscale', imageFields: ['image'], scaleField: 'scale', defaultScale: 4 } },
    inputRules: { scale: { type: 'number', min: 0, max: 10 }, face_enhance: { type: 'boolean' } },
  },
  {
    // img*, version (v1.2 | v1.3 | v1.4 | RestoreFormer, default v1.4), scale (default 2); one PNG.
    model: 'tencentarc/gfpgan',
    versions: ['9283608cc6b7be6b65a8e44983db012355fde4132009bf99d976b2f0896856a3'],
    official: false,
    kind: 'tool',
    output: 'single',
    requiredInputs: ['img'],
    media: { kind: 'tool', tool: { op: 'restore-face', imageFields: ['img'], scaleField: 'scale', defaultScale: 2 } },
    inputRules: {
      version: { enum: ['v1.2', 'v1.3', 'v1.4', 'RestoreFormer'] },
      scale: { type: 'number', min: 0, max: 10 },
    },
  },
  {
    // prompt*, image*, mask*, negative_prompt, num_outputs 1–4, num_inference_steps, guidance_scale,
    // scheduler, seed; a list of PNGs.
    model: 'stability-ai/stable-diffusion-inpainting',
    versions: ['95b7223104132402a9ae91cc677285bc5eb997834bd2349fa486f53910fd68b3'],
    official: false,
    kind: 'tool',
    output: 'list',
    requiredInputs: ['prompt', 'image', 'mask'],
    media: { kind: 'tool', tool: { op: 'inpaint', imageFields: ['image'], maskField: 'mask' } },
    inputRules: {
      prompt: { type: 'string' },
      negative_prompt: { type: 'string' },
      num_outputs: { type: 'integer', min: 1, max: 4 },
      num_inference_steps: { type: 'integer', min: 1, max: 500 },
      guidance_scale: { type: 'number', min: 1, max: 20 },
      seed: { type: 'integer' },
    },
  },
  {
    // image*, model_size (large | tiny, default large); one PNG in colour.
    model: 'piddnad/ddcolor',
    versions: ['ca494ba129e44e45f661d6ece83c4c98a9a7c774309beca01429b58fce8aa695'],
    official: false,
    kind: 'tool',
    output: 'single',
    requiredInputs: ['image'],
    media: { kind: 'tool', tool: { op: 'colorize', imageFields: ['image'] } },
    inputRules: { model_size: { enum: ['large', 'tiny'] } },
  },
];
