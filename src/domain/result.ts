import type { CostSummary } from './cost.js';
import type { PlanView } from './progress.js';
import type { Language, VisualMode } from './shortRequest.js';
import type { SceneTiming } from './timeline.js';

/** Providers name what made each part, so an offline placeholder is never mistaken for real art. */
export interface Providers {
  plan: string;
  visuals: string[];
  narration: string[];
  render: string;
}

export interface SceneResult extends SceneTiming {
  /** First words of the scene's narration (absent in results of runs made before it was added). */
  preview?: string;
  /** The scene's still; absent for a text-to-video scene whose clip came through. */
  imageRef?: string;
  /** The clip shown instead of the still, for video scenes. */
  clipRef?: string;
  narrationRef: string;
  /** Who made what the scene shows (the clip's model for a video scene). */
  visualProvider: string;
  /** What the request asked this scene to show; absent for stills. */
  visualMode?: VisualMode;
  /** A video scene that shows its still instead (the clip failed for good), and why. */
  fallback?: SceneFallback;
  narrationProvider: string;
  voice: string;
  /** Where the caption timings came from, when there were any. */
  wordsSource?: 'provider' | 'estimated';
  /** What the scene shows came from the generation cache (no prediction for it). */
  cached?: boolean;
  /** What the scene's predictions cost (still, clip, voice); absent in runs made before costs were counted. */
  cost?: CostSummary;
}

export interface SegmentedRenderFacts {
  segments: number;
  /** Segments encoded by this run; the others were found already encoded (a parent's, a retry's). */
  encoded: number;
  encodedFrames: number;
  totalFrames: number;
}

export interface SceneFallback {
  /** The failure's type (e.g. ReplicatePredictionFailed) and its message, secrets scrubbed. */
  type?: string;
  reason: string;
}

/** What ffprobe says about a rendered video, and where it is. */
export interface VideoFacts {
  videoRef: string;
  /** Absolute path on the worker's storage; for local storage the API and CLI read it directly. */
  videoPath: string;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  sizeBytes: number;
}

/** The mix under the picture, as measured when it was made (EBU R128). */
export interface SoundtrackFacts {
  integratedLufs: number;
  truePeakDbtp: number;
  /** `none`, or where the bed came from and who made it. */
  music: { source: string; provider?: string; offline?: boolean };
}

export interface ShortResult extends VideoFacts {
  language: Language;
  offline: boolean;
  providers: Providers;
  scenes: SceneResult[];
  /** The whole plan (absent in results of runs made before it was kept). */
  plan?: PlanView;
  /** Absent in runs made before the soundtrack was mixed and normalised on its own. */
  soundtrack?: SoundtrackFacts;
  /** Video scenes that show their still instead of a clip (1-based scene numbers), when any did. */
  fallbacks?: ({ scene: number } & SceneFallback)[];
  /** What the run spent: every scene's predictions and the music bed's. */
  cost?: CostSummary;
  /** How a segmented render went: how many segments it had and how many it had to encode. */
  segmented?: SegmentedRenderFacts;
  /** A revision: the short it revises and the (1-based) scene it changed (none for a retry). */
  revisionOf?: { parentId: string; scene?: number };
}
