/**
 * Long videos (POST /v1/videos): a video or recording of up to a few hours, cut into chunks that
 * run on the key pool at once, their results merged into one timeline. Pure schemas and types:
 * workflows import this file too.
 */
import { z } from 'zod';
import { replicateTokenSchema } from './fields.js';
import { customTaskSchema } from './longVideoCustom.js';

/**
 * transcribe: speech on Replicate (WhisperX); scenes: picture changes found locally with ffmpeg, a
 * still each (described by a vision model with `describe`); custom: any model once per chunk.
 */
export const LONG_VIDEO_TASKS = ['transcribe', 'scenes', 'custom'] as const;
export type LongVideoTask = (typeof LONG_VIDEO_TASKS)[number];

/** victor-upmeet/whisperx, by version (a community model): word timings, language detection. */
export const DEFAULT_TRANSCRIBE_MODEL =
  'victor-upmeet/whisperx:84d2ad2d6194fe98a17d2b60bef1c7f910c46b2f6fd38996ca457afd9c8abfcb';
/** yorickvp/llava-13b, by version (a community model): a sentence about each scene's still. */
export const DEFAULT_DESCRIBE_MODEL =
  'yorickvp/llava-13b:b5f6212d032508382d61ff00469ddda3e32fd8a0e75dc39d8a4191bb742157fb';

const fields = z.object({
  /** Fetched through the SSRF-safe fetcher. */
  url: z.string().url().max(4096).optional(),
  /**
   * A file already in storage, set by the API only: an upload (`uploads/<id>/<name>`) or the
   * source an earlier video fetched (`videos/<video id>/source`, from `"from"`).
   */
  ref: z
    .string()
    .regex(
      /^(uploads\/[0-9a-f]{32}\/[A-Za-z0-9._-]{1,100}|videos\/video-[A-Za-z0-9._-]{1,200}\/source)$/,
      "ref must name an upload (uploads/<id>/<name>) or an earlier video's source",
    )
    .optional(),
  task: z.enum(LONG_VIDEO_TASKS).default('transcribe'),
  chunkMinutes: z.number().min(1).max(60).default(20),
  /** The spoken language (ISO 639-1), when known; detected otherwise. */
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'language must be a two-letter code such as "en" or "ru"')
    .optional(),
  /** Fail the whole video when a chunk fails for good (otherwise it completes with that chunk marked). */
  strict: z.boolean().default(false),
  model: z.string().min(3).max(200).optional(),
  /** scenes: describe each scene's still with a vision model on the key pool. */
  describe: z.boolean().optional(),
  describeModel: z.string().min(3).max(200).optional(),
  /** custom: the model, its input with placeholders, and what each chunk holds. */
  custom: customTaskSchema.optional(),
});

type Fields = z.output<typeof fields>;
/** The checks every request and input passes: one source, and options only with the task they belong to. */
function consistent(v: Fields, ctx: z.RefinementCtx): void {
  if ((v.url === undefined) === (v.ref === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give the video as exactly one of "url" or an upload' });
  }
  if ((v.describe !== undefined || v.describeModel !== undefined) && v.task !== 'scenes') {
    ctx.addIssue({ code: 'custom', path: ['describe'], message: '"describe" belongs to the scenes task' });
  }
  if ((v.custom !== undefined) !== (v.task === 'custom')) {
    ctx.addIssue({
      code: 'custom',
      path: ['custom'],
      message: 'the custom task needs "custom": {"model", "input", "media"}, and only it takes one',
    });
  }
}

export const longVideoRequestSchema = fields.strict().superRefine(consistent);
export type LongVideoRequest = z.output<typeof longVideoRequestSchema>;

export const longVideoInputSchema = fields
  .extend({ model: z.string().min(3).max(200), replicateToken: replicateTokenSchema.optional() })
  .strict()
  .superRefine(consistent);
export type LongVideoInput = z.output<typeof longVideoInputSchema>;

/** Where a video fetched by URL is kept (an upload stays where the API stored it). */
export const fetchedSourceRef = (runKey: string) => `videos/${runKey}/source`;

export interface LongVideoChunk {
  index: number;
  /** The chunk's own file in storage (the audio, copied out without re-encoding). */
  ref: string;
  startSec: number;
  endSec: number;
}

/** What every per-chunk prediction on the key pool is told (transcribe, custom). */
export interface ChunkCallInput {
  runKey: string;
  /** The workflow, for log lines that say whose chunk a key took. */
  videoId: string;
  index: number;
  chunkRef: string;
  startSec: number;
  endSec: number;
  model: string;
  language?: string;
}

export interface LongVideoPlan {
  durationSec: number;
  hasVideo: boolean;
  chunks: LongVideoChunk[];
  /** How long probing, finding silence and cutting took (seconds of this worker's time). */
  splitSeconds: number;
}

export type ChunkStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface ChunkProgress {
  index: number;
  startSec: number;
  endSec: number;
  status: ChunkStatus;
  error?: string;
}

export interface LongVideoProgress {
  stage: 'queued' | 'preparing' | 'chunks' | 'merging' | 'describing' | 'completed' | 'failed' | 'cancelled';
  task: LongVideoTask;
  durationSec?: number;
  chunks: ChunkProgress[];
}

export interface FoundScene {
  index: number;
  startSec: number;
  endSec: number;
  still: string;
  /** With `describe`: what the vision model saw in the still. */
  description?: string;
  /** With `describe`, when the still could not be described (the scene is kept without one). */
  descriptionError?: string;
}

export interface SceneDescribed {
  /** The description in storage (kept, so a scene is never described twice). */
  ref: string;
  description: string;
  key?: string;
  costUsd?: number;
}

export interface ChunkScenes {
  /** The chunk's scene changes in storage (times from the video's start). */
  ref: string;
  changes: number;
}

export interface ChunkTranscribed {
  /** The chunk's transcript (times from the chunk's start) in storage. */
  ref: string;
  language: string;
  words: number;
  /** The key that made it (masked), absent when it was already in storage. */
  key?: string;
  costUsd?: number;
}

export interface LongVideoResult {
  task: LongVideoTask;
  durationSec: number;
  language: string;
  words: number;
  chunks: ChunkProgress[];
  /** "3 chunks: 3 successful, 0 failed" */
  summary: string;
  /** transcribe: transcript.json, .srt, .vtt; scenes: scenes.json; custom: outputs.json. */
  files: { json: string; srt?: string; vtt?: string };
  /** scenes: every scene with its still (a JPEG in storage). */
  scenes?: FoundScene[];
  /** custom: the output files copied into storage (outputs/NNN-k.ext under the video). */
  outputFiles?: string[];
  costUsd?: number;
  /** The file the video was read from, and whether it has a picture (absent in runs before shorts). */
  sourceRef?: string;
  hasVideo?: boolean;
}
