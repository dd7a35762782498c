import type { Language } from './shortRequest.js';
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
  imageRef: string;
  narrationRef: string;
  visualProvider: string;
  narrationProvider: string;
  voice: string;
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

export interface ShortResult extends VideoFacts {
  language: Language;
  offline: boolean;
  providers: Providers;
  scenes: SceneResult[];
}
