/**
 * Shorts cut from a long video (POST /v1/videos/:id/shorts): the planner picks the best
 * self-contained moments of its transcript, and each one becomes a vertical, captioned,
 * loudness-normalised short of its own. Pure schemas and types: workflows import this file too.
 */
import { z } from 'zod';
import type { SnappedMoment } from './moments.js';
import { CAPTION_STYLES, LANGUAGES, captionsSchema } from './shortRequest.js';

export const REFRAMES = ['auto', 'centre'] as const;

export const highlightsRequestSchema = z
  .object({
    /** How many shorts to make; fewer come back when the video has fewer moments worth one. */
    count: z.number().int().min(1).max(10).default(3),
    /** How long each should be, roughly: a moment ends on a word, within ±40 % of this. */
    lengthSec: z.number().min(5).max(90).default(30),
    captions: captionsSchema.default(true),
    fps: z.number().int().min(12).max(60).default(30),
    /** `auto`: the 9:16 window over what moves when it is off centre; `centre`: always the centre. */
    reframe: z.enum(REFRAMES).default('auto'),
  })
  .strict();
export type HighlightsRequest = z.output<typeof highlightsRequestSchema>;

export const highlightsInputSchema = z
  .object({
    /** The long video's run: its transcript and source file are what the shorts are made of. */
    videoId: z.string().min(1).max(200),
    transcriptRef: z.string().min(1).max(400),
    sourceRef: z.string().min(1).max(400),
    durationSec: z.number().positive(),
    /** The captions' script rules (line breaks, fonts): the transcript's language when we know it. */
    language: z.enum(LANGUAGES),
    count: z.number().int().min(1).max(10),
    lengthSec: z.number().min(5).max(90),
    captionStyle: z.enum([...CAPTION_STYLES, 'none']),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    fps: z.number().int().min(12).max(60),
    /** Absent in runs started before reframing existed: the centre, as they were made. */
    reframe: z.enum(REFRAMES).default('centre'),
  })
  .strict();
export type HighlightsInput = z.output<typeof highlightsInputSchema>;
/** What a caller may pass to the workflow: defaults are filled in by the workflow itself. */
export type HighlightsWorkflowInput = z.input<typeof highlightsInputSchema>;

/** One moment as the planner chose it, snapped to the words around it (see domain/moments.ts). */
export interface Moment extends SnappedMoment {
  /** 1-based, in the video's order. */
  index: number;
}

export interface PickedMoments {
  moments: Moment[];
  /** `llm:<model>`, or `offline` (the densest stretches of speech) when no LLM could answer. */
  picker: string;
  fallbackReason?: string;
}

export type HighlightStatus = 'pending' | 'cutting' | 'mixing' | 'rendering' | 'succeeded' | 'failed';

export interface HighlightProgress {
  index: number;
  startSec: number;
  endSec: number;
  title: string;
  status: HighlightStatus;
  error?: string;
}

export interface HighlightsProgress {
  stage: 'queued' | 'picking' | 'making' | 'completed' | 'failed' | 'cancelled';
  shorts: HighlightProgress[];
}

export interface MadeHighlight extends Moment {
  status: 'succeeded' | 'failed';
  error?: string;
  /** The short's MP4 in storage (succeeded only). */
  videoRef?: string;
  durationSec?: number;
  width?: number;
  height?: number;
  fps?: number;
  sizeBytes?: number;
  /** Measured on its soundtrack (EBU R128). */
  integratedLufs?: number;
  /** How the 9:16 window was placed: over a subject that moves, or the centre. */
  framing?: 'subject' | 'centre';
}

/** Where a highlights run keeps the moments it picked (so a retry never asks the LLM again). */
export const momentsRefOf = (runKey: string) => `highlights/${runKey}/moments.json`;

export interface HighlightsResult {
  videoId: string;
  picker: string;
  fallbackReason?: string;
  /** "3 shorts: 3 made, 0 failed" */
  summary: string;
  shorts: MadeHighlight[];
  /** The moments as picked (moments.json in storage). */
  momentsRef: string;
}
