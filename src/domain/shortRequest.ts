import { z } from 'zod';
import { modelInputSchema, modelRefSchema, userTextSchema } from './fields.js';

/**
 * The one definition of what a caller may ask for. The HTTP API validates with it, the CLI builds
 * requests through it, and the workflow receives its parsed output (`ShortVideoInput`).
 */
export const LANGUAGES = ['en', 'ru', 'zh', 'ko', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

export const ASPECTS = ['9:16', '16:9', '1:1'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** xfade transition names we expose; `crossfade` is a true overlapping dissolve, `cut` has no overlap. */
export const TRANSITIONS = ['crossfade', 'dissolve', 'wipeleft', 'slideup', 'cut'] as const;
export type TransitionType = (typeof TRANSITIONS)[number];

export const VISUAL_PROVIDERS = ['offline', 'replicate'] as const;
export type VisualProviderChoice = (typeof VISUAL_PROVIDERS)[number];

export const MAX_STORY_CHARS = 20_000;

export const shortRequestSchema = z
  .object({
    story: userTextSchema('story', MAX_STORY_CHARS),
    language: z.enum(LANGUAGES).optional(),
    sceneCount: z.number().int().min(1).max(12).default(5),
    aspect: z.enum(ASPECTS).default('9:16'),
    fps: z.number().int().min(12).max(60).default(30),
    transition: z
      .object({
        type: z.enum(TRANSITIONS).default('crossfade'),
        duration: z.number().min(0).max(2).default(0.5),
      })
      .strict()
      .default({ type: 'crossfade', duration: 0.5 }),
    captions: z.boolean().default(true),
    voice: z.string().trim().min(1).max(64).optional(),
    style: userTextSchema('style', 200).default('storybook illustration'),
    /** `replicate` needs keys; the API and CLI default to it when keys are configured. */
    provider: z.enum(VISUAL_PROVIDERS).optional(),
    /** Replicate image model, `owner/name` or `owner/name:version`. */
    model: modelRefSchema.optional(),
    /** Extra model input merged over ours (e.g. {"num_inference_steps": 4}); small scalar values only. */
    modelInput: modelInputSchema.optional(),
  })
  .strict();

export type ShortRequest = z.input<typeof shortRequestSchema>;
/**
 * What the workflow accepts: a parsed request plus what only operators set (the render queue).
 * The request schema is strict, so an HTTP caller can never pick a task queue.
 */
export const shortVideoInputSchema = shortRequestSchema.extend({
  /** Task queue for CPU-heavy rendering; defaults to `<workflow task queue>-render`. */
  renderTaskQueue: z.string().min(1).optional(),
});
export type ShortVideoInput = z.output<typeof shortVideoInputSchema>;
/** What a caller may pass to the workflow: defaults are filled in by the workflow itself. */
export type ShortVideoWorkflowInput = z.input<typeof shortVideoInputSchema>;

export interface Dimensions {
  width: number;
  height: number;
}

const DIMENSIONS: Record<Aspect, Dimensions> = {
  '9:16': { width: 1080, height: 1920 },
  '16:9': { width: 1920, height: 1080 },
  '1:1': { width: 1080, height: 1080 },
};

export function dimensionsFor(aspect: Aspect): Dimensions {
  return DIMENSIONS[aspect];
}
