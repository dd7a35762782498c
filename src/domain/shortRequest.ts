import { z } from 'zod';
import { modelInputSchema, modelRefSchema, replicateTokenSchema, userTextSchema } from './fields.js';
import { catalogModel } from '../catalog/lookup.js';
import { budgetSchema } from './budget.js';
import { sceneEditSchema } from './planApproval.js';
import { STRUCTURES } from './plan.js';

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

/** Who plans the scenes: absent means the LLM when one is configured, with the offline splitter as fallback. */
export const PLANNERS = ['llm', 'offline'] as const;
export type PlannerChoice = (typeof PLANNERS)[number];

export const NARRATION_PROVIDERS = ['espeak', 'openai', 'elevenlabs', 'replicate'] as const;
export type NarrationProviderName = (typeof NARRATION_PROVIDERS)[number];

export const CAPTION_STYLES = ['pages', 'karaoke'] as const;
export type CaptionStyle = (typeof CAPTION_STYLES)[number];

/**
 * What a scene shows: a still with Ken Burns motion, a clip from a text-to-video model, or its still
 * animated by an image-to-video model (with the plan's motion prompt).
 */
export const VISUAL_MODES = ['image', 'video', 'image-to-video'] as const;
export type VisualMode = (typeof VISUAL_MODES)[number];

/** How a clip shorter than its scene fills it: hold its last frame (with a gentle zoom), loop it, or slow it. */
export const CLIP_FITS = ['hold', 'loop', 'slow'] as const;
export type ClipFitChoice = (typeof CLIP_FITS)[number];

/** How the short is rendered: in one ffmpeg pass, or as segments joined by stream copy. */
export const RENDER_MODES = ['one-pass', 'segmented'] as const;
export type RenderMode = (typeof RENDER_MODES)[number];

export const MUSIC_SOURCES = ['none', 'generated', 'url', 'replicate'] as const;
export type MusicSource = (typeof MUSIC_SOURCES)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2000, 'must be at most 2000 characters');

/** Narration: who speaks, with which voice and model, how fast. */
export const narrationSchema = z
  .object({
    provider: z.enum(NARRATION_PROVIDERS).optional(),
    voice: z.string().trim().min(1).max(100).optional(),
    model: z.string().trim().min(1).max(100).optional(),
    speed: z.number().min(0.5).max(2).optional(),
  })
  .strict();
export type NarrationRequest = z.output<typeof narrationSchema>;

/** A music bed under the narration: made locally, fetched from a URL, or generated on Replicate. */
export const musicSchema = z
  .object({
    source: z.enum(MUSIC_SOURCES).default('generated'),
    /** For `replicate` (and as a hint for `generated`): what the music should sound like, in English. */
    prompt: z.string().trim().min(1).max(500).optional(),
    /** For `url`: the track to fetch (http/https, size-capped, never a private address). */
    url: httpUrl.optional(),
    /** Replicate music model for `replicate`. */
    model: modelRefSchema.optional(),
    /** Level of the bed relative to full scale before ducking, 0 to 1. */
    volume: z.number().min(0).max(1).default(0.3),
  })
  .strict()
  .refine((m) => m.source !== 'url' || m.url !== undefined, {
    path: ['url'],
    message: 'music.url is required when source is "url"',
  });
export type MusicRequest = z.output<typeof musicSchema>;

/** `true` (pages timed by the voice where it gives timings), `false`, or a style. */
export const captionsSchema = z.union([
  z.boolean(),
  z.object({ style: z.enum(CAPTION_STYLES).default('pages') }).strict(),
]);

const shortRequestObject = z
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
    captions: captionsSchema.default(true),
    /** Shorthand for `narration.voice` (kept for older clients); give one or the other. */
    voice: z.string().trim().min(1).max(64).optional(),
    narration: narrationSchema.optional(),
    planner: z.enum(PLANNERS).optional(),
    structure: z.enum(STRUCTURES).default('scenes'),
    /** Upper bound for the narration's length: the LLM planner writes to fit it. */
    targetSeconds: z.number().int().min(5).max(180).optional(),
    music: musicSchema.optional(),
    style: userTextSchema('style', 200).default('storybook illustration'),
    /** `replicate` needs keys; the API and CLI default to it when keys are configured. */
    provider: z.enum(VISUAL_PROVIDERS).optional(),
    /** Replicate image model, `owner/name` or `owner/name:version`. */
    model: modelRefSchema.optional(),
    /** Extra model input merged over ours (e.g. {"num_inference_steps": 4}); small scalar values only. */
    modelInput: modelInputSchema.optional(),
    /**
     * What the scenes show: one mode for all, or one per scene in order (scenes past the list's end
     * are stills). Absent means stills. Video modes run on Replicate.
     */
    visuals: z.union([z.enum(VISUAL_MODES), z.array(z.enum(VISUAL_MODES)).min(1).max(12)]).optional(),
    /** Replicate video model for the video scenes (default REPLICATE_VIDEO_MODEL or REPLICATE_I2V_MODEL). */
    videoModel: modelRefSchema.optional(),
    /** Extra input for the video model, merged over ours (e.g. {"mode": "pro"}). */
    videoModelInput: modelInputSchema.optional(),
    /** How a clip shorter than its scene fills it (default `hold`). */
    clipFit: z.enum(CLIP_FITS).optional(),
    /** Fail the run when a scene's clip fails for good, instead of showing its still. */
    strict: z.boolean().optional(),
    /**
     * Stop after planning until the plan is approved (POST /v1/shorts/:id/approve, optionally with
     * edited scenes) or rejected; after `timeoutSeconds` (default APPROVAL_TIMEOUT_SECONDS, 24 h)
     * the run ends as ApprovalTimedOut. Nothing is paid for before the approval.
     */
    approval: z
      .union([z.boolean(), z.object({ timeoutSeconds: z.number().int().min(1).max(604_800) }).strict()])
      .optional(),
    /** A spending cap for the run's predictions (default BUDGET_MAX_USD when set). */
    budget: budgetSchema.optional(),
    /** false: predict every image and clip even when the generation cache has it (default: use it). */
    cache: z.boolean().optional(),
    /**
     * `one-pass` (default): the whole short in one ffmpeg run, the fastest on one machine.
     * `segmented`: each scene's body and each transition on its own (any render worker), joined by
     * stream copy; a later regenerate or retry of the short then re-encodes only what changed.
     * Revisions always render segmented.
     */
    render: z.enum(RENDER_MODES).optional(),
  })
  .strict();

/** Rules across fields, for the request and the workflow's input alike. */
function crossFieldRules(
  r: {
    voice?: string;
    narration?: { voice?: string };
    structure: string;
    sceneCount: number;
    provider?: string;
    visuals?: VisualMode | VisualMode[];
    videoModel?: string;
  },
  ctx: z.RefinementCtx,
): void {
  videoRules(r, ctx);
  if (r.voice !== undefined && r.narration?.voice !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['voice'],
      message: 'give the voice either as voice or as narration.voice, not both',
    });
  }
  if (r.structure === 'five-act' && r.sceneCount < 5) {
    ctx.addIssue({ code: 'custom', path: ['sceneCount'], message: 'a five-act short needs at least 5 scenes' });
  }
}

/** Video scenes are made on Replicate, by a model that can make what each scene asks for. */
function videoRules(
  r: { provider?: string; visuals?: VisualMode | VisualMode[]; videoModel?: string },
  ctx: z.RefinementCtx,
): void {
  const modes = new Set(typeof r.visuals === 'string' ? [r.visuals] : (r.visuals ?? []));
  modes.delete('image');
  if (modes.size === 0) return;
  if (r.provider === 'offline') {
    ctx.addIssue({
      code: 'custom',
      path: ['visuals'],
      message: 'video scenes are made on Replicate: use provider "replicate" (with keys configured) or visuals "image"',
    });
  }
  const kind = r.videoModel ? catalogModel(r.videoModel)?.kind : undefined;
  if (kind === 'image-to-video' && modes.has('video')) {
    ctx.addIssue({
      code: 'custom',
      path: ['videoModel'],
      message: `${r.videoModel} animates an image: use visuals "image-to-video" with it, or a text-to-video model such as kwaivgi/kling-v2.5-turbo-pro`,
    });
  } else if (kind && kind !== 'text-to-video' && kind !== 'image-to-video') {
    ctx.addIssue({
      code: 'custom',
      path: ['videoModel'],
      message: `${r.videoModel} is not a video model (it makes ${kind}); try kwaivgi/kling-v2.5-turbo-pro or kwaivgi/kling-v2.1`,
    });
  }
}

/** The visual mode of scene `index` (0-based): scenes past a per-scene list's end are stills. */
export function visualModeOf(visuals: VisualMode | VisualMode[] | undefined, index: number): VisualMode {
  if (visuals === undefined) return 'image';
  return typeof visuals === 'string' ? visuals : (visuals[index] ?? 'image');
}

export const shortRequestSchema = shortRequestObject.superRefine(crossFieldRules);

export type ShortRequest = z.input<typeof shortRequestSchema>;
export type ParsedShortRequest = z.output<typeof shortRequestSchema>;
/**
 * What the workflow accepts: a parsed request plus what only operators set (the render queue).
 * The request schema is strict, so an HTTP caller can never pick a task queue.
 */
export const shortVideoInputSchema = shortRequestObject
  .extend({
    /** Task queue for CPU-heavy rendering; defaults to `<workflow task queue>-render`. */
    renderTaskQueue: z.string().min(1).optional(),
    /**
     * A revision of an earlier short: its plan (the parent's, with one scene edited) instead of a new
     * plan. Every unchanged scene's image and clip then come from the generation cache.
     */
    revision: z
      .object({
        parentId: z.string().min(1).max(300),
        planRef: z.string().min(1).max(400),
        /** The scene changed and how; absent for a retry, which keeps the plan as it was. */
        scene: z.number().int().min(0).max(11).optional(),
        edit: sceneEditSchema.optional(),
      })
      .strict()
      .optional(),
    /** The image-to-video model, when the request left `videoModel` open (REPLICATE_I2V_MODEL). */
    imageToVideoModel: modelRefSchema.optional(),
    /** `auto`: the API resolved "no choice" to the LLM with the offline splitter as fallback. */
    planner: z.enum([...PLANNERS, 'auto']).optional(),
    /** A user's own Replicate token (the API's second auth tier): every prediction runs with it alone. */
    replicateToken: replicateTokenSchema.optional(),
  })
  .superRefine(crossFieldRules);
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

/** The caption style a request asks for, or `none`. */
export function captionStyleOf(captions: boolean | { style: CaptionStyle }): CaptionStyle | 'none' {
  if (captions === false) return 'none';
  return captions === true ? 'pages' : captions.style;
}
