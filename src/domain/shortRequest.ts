import { z } from 'zod';

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
    story: z
      .string({ error: 'story is required and must be a string' })
      .trim()
      .min(1, 'story must not be empty')
      .max(MAX_STORY_CHARS, `story must be at most ${MAX_STORY_CHARS} characters`),
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
    style: z.string().trim().min(1).max(200).default('storybook illustration'),
    /** `replicate` needs keys; the API and CLI default to it when keys are configured. */
    provider: z.enum(VISUAL_PROVIDERS).optional(),
    /** Replicate image model, `owner/name` or `owner/name:version`. */
    model: z
      .string()
      .regex(/^[a-z0-9][\w.-]*\/[\w.-]+(?::[0-9a-f]{8,64})?$/i, 'model must look like owner/name or owner/name:version')
      .optional(),
    /** Extra model input merged over ours (e.g. {"num_inference_steps": 4}); small values only. */
    modelInput: z
      .record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean()]))
      .refine((r) => Object.keys(r).length <= 20, 'modelInput may hold at most 20 fields')
      .optional(),
  })
  .strict();

export type ShortRequest = z.input<typeof shortRequestSchema>;
export type ShortVideoInput = z.output<typeof shortRequestSchema> & {
  /** Task queue for CPU-heavy rendering; defaults to `<workflow task queue>-render`. */
  renderTaskQueue?: string;
};

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

/** Fills defaults for input that bypassed the API (e.g. `temporal workflow start --input`). */
export function normalizeShortInput(raw: unknown): ShortVideoInput {
  const renderTaskQueue =
    raw && typeof raw === 'object' && 'renderTaskQueue' in raw && typeof raw.renderTaskQueue === 'string'
      ? raw.renderTaskQueue
      : undefined;
  const rest = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : raw;
  if (rest && typeof rest === 'object') delete (rest as Record<string, unknown>).renderTaskQueue;
  const parsed = shortRequestSchema.parse(rest);
  return renderTaskQueue ? { ...parsed, renderTaskQueue } : parsed;
}
