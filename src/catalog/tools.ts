/**
 * The image tools (POST /v1/images/:tool), each a Replicate model with its real input fields, from
 * each model's API page (replicate.com/{owner}/{name}/api). Seed 002 named these models; its
 * colorizer (`tencentarc/colorize`, with a made-up version id) does not exist on Replicate, so
 * DDColor takes its place.
 */
import { HARDWARE, PRICING_PAGE, defined } from './input.js';
import { SDXL } from './images.js';
import type { CatalogModel, GenerationRequest } from './types.js';

/** Billed by the second on a T4: the hardware the model pages name, as remembered, not re-read here. */
const ON_T4 = {
  per: 'hardware-second',
  usd: HARDWARE.t4.usd,
  hardware: HARDWARE.t4.name,
  source: `${PRICING_PAGE}: gpu-t4 $0.000225/s. Estimate: the T4 is the hardware the model page names as remembered, not re-read here`,
} as const;

export const IMAGE_TOOLS = ['remove-background', 'upscale', 'restore-face', 'generate', 'inpaint', 'colorize'] as const;
export type ImageToolName = (typeof IMAGE_TOOLS)[number];

/** What a tool needs beside its options: an input image, a mask, a prompt. */
export interface ToolShape {
  image: boolean;
  mask: boolean;
  prompt: boolean;
  /** The input is sent as PNG when it has alpha (a cut-out or a mask must keep it), else as JPEG. */
  keepAlpha: boolean;
}

export interface ImageToolModel extends CatalogModel {
  tool: ImageToolName;
  shape: ToolShape;
}

const IMAGE_ONLY: ToolShape = { image: true, mask: false, prompt: false, keepAlpha: false };

const need = (value: string | undefined, what: string): string => {
  if (!value) throw new Error(`${what} is required`);
  return value;
};

/**
 * bria/remove-background (version 4ed060b3…): image (file) or image_url, preserve_alpha (true),
 * content_moderation (false). One PNG URL with the background transparent.
 */
export const REMOVE_BACKGROUND: ImageToolModel = {
  tool: 'remove-background',
  model: 'bria/remove-background',
  version: '4ed060b3587b7c3912353dd7d59000c883a6e1c5c9181ed7415c2624c2e8e392',
  kind: 'image-tool',
  shape: { ...IMAGE_ONLY, keepAlpha: true },
  input: (r) => ({ image: need(r.imageUrl, 'image'), preserve_alpha: true, content_moderation: false }),
  output: 'single',
  typicalSeconds: 3,
  price: { per: 'unknown' },
};

/**
 * nightmareai/real-esrgan (version 42fed1c4…, the one seed 002 runs): image*, scale (0–10, default
 * 4), face_enhance (GFPGAN over faces, default false). One PNG URL. Billed by the second.
 */
export const UPSCALE: ImageToolModel = {
  tool: 'upscale',
  model: 'nightmareai/real-esrgan',
  version: '42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b',
  kind: 'image-tool',
  shape: IMAGE_ONLY,
  input: (r) => defined({ image: need(r.imageUrl, 'image'), scale: r.scale ?? 4, face_enhance: r.faceEnhance }),
  output: 'single',
  // Estimate: a few seconds on a T4 for a megapixel at 4×.
  typicalSeconds: 6,
  price: ON_T4,
};

/** tencentarc/gfpgan (version 9283608c…, seed 002's): img*, version (v1.4), scale (default 2). One PNG URL. */
export const RESTORE_FACE: ImageToolModel = {
  tool: 'restore-face',
  model: 'tencentarc/gfpgan',
  version: '9283608cc6b7be6b65a8e44983db012355fde4132009bf99d976b2f0896856a3',
  kind: 'image-tool',
  shape: IMAGE_ONLY,
  input: (r) => ({ img: need(r.imageUrl, 'image'), version: 'v1.4', scale: r.scale ?? 2 }),
  output: 'single',
  typicalSeconds: 4,
  price: ON_T4,
};

/** stability-ai/sdxl, as a tool: prompt*, negative_prompt, width/height for the aspect, seed. */
export const GENERATE: ImageToolModel = {
  ...SDXL,
  tool: 'generate',
  kind: 'image-tool',
  shape: { image: false, mask: false, prompt: true, keepAlpha: false },
};

/**
 * stability-ai/stable-diffusion-inpainting (version 95b72231…, seed 002's): prompt*, image*, mask*
 * (white is painted over, black kept), negative_prompt, num_outputs, seed… A list of PNG URLs.
 */
export const INPAINT: ImageToolModel = {
  tool: 'inpaint',
  model: 'stability-ai/stable-diffusion-inpainting',
  version: '95b7223104132402a9ae91cc677285bc5eb997834bd2349fa486f53910fd68b3',
  kind: 'image-tool',
  shape: { image: true, mask: true, prompt: true, keepAlpha: false },
  input: (r) =>
    defined({
      prompt: r.prompt,
      image: need(r.imageUrl, 'image'),
      mask: need(r.maskUrl, 'mask'),
      negative_prompt: r.negativePrompt,
      num_outputs: 1,
      seed: r.seed,
    }),
  output: 'list',
  typicalSeconds: 5,
  price: {
    per: 'hardware-second',
    usd: HARDWARE['a100-80gb'].usd,
    hardware: HARDWARE['a100-80gb'].name,
    source: `${PRICING_PAGE}: gpu-a100-large $0.0014/s. Estimate: the A100 is the hardware the model page names as remembered, not re-read here`,
  },
};

/** piddnad/ddcolor (version ca494ba1…): image*, model_size (large | tiny). One PNG URL, in colour. */
export const COLORIZE: ImageToolModel = {
  tool: 'colorize',
  model: 'piddnad/ddcolor',
  version: 'ca494ba129e44e45f661d6ece83c4c98a9a7c774309beca01429b58fce8aa695',
  kind: 'image-tool',
  shape: IMAGE_ONLY,
  input: (r) => ({ image: need(r.imageUrl, 'image'), model_size: 'large' }),
  output: 'single',
  typicalSeconds: 3,
  price: {
    per: 'hardware-second',
    usd: HARDWARE['a40-large'].usd,
    hardware: HARDWARE['a40-large'].name,
    source: `${PRICING_PAGE}: gpu-a40-large $0.000725/s. Estimate: the A40 is the hardware the model page names as remembered, not re-read here`,
  },
};

export const TOOL_MODELS: readonly ImageToolModel[] = [
  REMOVE_BACKGROUND,
  UPSCALE,
  RESTORE_FACE,
  GENERATE,
  INPAINT,
  COLORIZE,
];

const BY_TOOL = new Map(TOOL_MODELS.map((m) => [m.tool, m]));

export function toolModel(tool: ImageToolName): ImageToolModel {
  return BY_TOOL.get(tool)!;
}

export type ToolRequest = Pick<
  GenerationRequest,
  'prompt' | 'aspect' | 'imageUrl' | 'maskUrl' | 'scale' | 'faceEnhance' | 'negativePrompt' | 'seed'
>;
