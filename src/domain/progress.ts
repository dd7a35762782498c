import type { Character, PlannedScene, Structure } from './plan.js';
import type { Estimate } from '../runs/estimate.js';
import type { BudgetState } from './budget.js';
import type { VisualMode } from './shortRequest.js';

/** What a caller sees of a run while it works: the workflow's query answers this shape. */
/**
 * `scenes`: images and narration for every scene at once (runs started before that did `visuals`,
 * then `narration`); `sound`: the soundtrack is mixed while the last images finish.
 */
export type Stage =
  | 'planning'
  | 'awaiting-approval'
  | 'awaiting-budget'
  | 'scenes'
  | 'visuals'
  | 'narration'
  | 'sound'
  | 'rendering'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type StepState = 'pending' | 'running' | 'done' | 'failed';

export interface SceneProgress {
  index: number;
  /** First words of the scene's narration, so a person can tell scenes apart. */
  preview: string;
  visual: StepState;
  narration: StepState;
  visualProvider?: string;
  narrationProvider?: string;
  error?: string;
  /** For video scenes: what was asked (`video`, `image-to-video`); absent for stills. */
  visualMode?: VisualMode;
  /** For video scenes: the clip's prediction (the still of an image-to-video scene comes first). */
  clip?: StepState;
  /** Why a video scene shows its still instead of a clip. */
  fallback?: string;
}

export interface ShortProgress {
  stage: Stage;
  /** 0–100 over the whole run, rendering included (render progress arrives via heartbeats). */
  percent: number;
  sceneCount: number;
  scenes: SceneProgress[];
  renderPercent: number;
  error?: string;
  /** The whole plan once planning is done: what each scene says and shows. */
  plan?: PlanView;
  /** While the plan waits for approval: what the run will cost once approved (from the plan). */
  estimate?: Estimate;
  /** How the plan was approved, once it was (runs that asked for approval). */
  approval?: { edited: boolean };
  /** The ledger of a run with a budget: cap, spent, reserved, alerts, waiting. */
  budget?: BudgetState;
}

/** The plan as callers see it (no storage keys). */
export interface PlanView {
  title?: string;
  planner: string;
  structure?: Structure;
  fallbackReason?: string;
  characters?: Character[];
  scenes: Partial<Omit<PlannedScene, 'index'>>[];
}

/** Stage weights for the overall percentage: rendering is the longest stretch offline. */
const WEIGHTS = { planning: 5, visuals: 30, narration: 25, rendering: 40 } as const;

export function overallPercent(p: Omit<ShortProgress, 'percent'>): number {
  if (p.stage === 'completed') return 100;
  const n = Math.max(1, p.sceneCount);
  const done = (key: 'visual' | 'narration') => p.scenes.filter((s) => s[key] === 'done').length / n;
  const planned = p.stage === 'planning' ? 0 : 1;
  const total =
    WEIGHTS.planning * planned +
    WEIGHTS.visuals * done('visual') +
    WEIGHTS.narration * done('narration') +
    WEIGHTS.rendering * (p.renderPercent / 100);
  return Math.min(99, Math.round(total));
}
