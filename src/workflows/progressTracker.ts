import { setCurrentDetails } from '@temporalio/workflow';
import type { BudgetState } from '../domain/budget.js';
import type { Estimate } from '../runs/estimate.js';
import { type CostSummary, describeCost } from '../domain/cost.js';
import { publishStage } from './stageAttribute.js';
import {
  type PlanView,
  overallPercent,
  type SceneProgress,
  type ShortProgress,
  type Stage,
  type StepState,
} from '../domain/progress.js';
import type { VisualMode } from '../domain/shortRequest.js';

/**
 * Holds the run's progress and mirrors it into the Web UI's "current details" on every change, so
 * a person watching the Temporal UI sees the same per-scene picture as the API.
 */
export class ProgressTracker {
  private state: Omit<ShortProgress, 'percent'> = { stage: 'planning', sceneCount: 0, scenes: [], renderPercent: 0 };

  private cost: CostSummary | undefined;
  private stageBeforeBudget: Stage = 'scenes';

  constructor() {
    publishStage(this.state.stage);
  }

  snapshot(): ShortProgress {
    return { ...this.state, scenes: this.state.scenes.map((s) => ({ ...s })), percent: overallPercent(this.state) };
  }

  stage(stage: Stage, error?: string): void {
    this.state.stage = stage;
    if (error) this.state.error = error;
    if (stage === 'completed') this.state.renderPercent = 100;
    this.publish();
    publishStage(stage);
  }

  /** The plan waits for its approval; `estimate` is what the run will cost once approved. */
  awaitingApproval(estimate: Estimate): void {
    this.state.estimate = estimate;
    this.stage('awaiting-approval');
  }

  approved(edited: boolean): void {
    this.state.approval = { edited };
    this.publish();
  }

  /** The budget ledger changed; a prediction waiting for a higher cap puts the run in `awaiting-budget`. */
  budget(state: BudgetState): void {
    this.state.budget = state;
    if (state.waiting && this.state.stage !== 'awaiting-budget') {
      this.stageBeforeBudget = this.state.stage;
      this.stage('awaiting-budget');
    } else if (!state.waiting && this.state.stage === 'awaiting-budget') {
      this.stage(this.stageBeforeBudget);
    } else this.publish();
  }

  /** What the run spent, shown in the Web UI's details once it is known. */
  spent(cost: CostSummary): void {
    this.cost = cost;
    this.publish();
  }

  /** `modes`: what each scene shows, when some are video scenes (stills have no clip step). */
  planned(scenes: { index: number; preview: string }[], plan?: PlanView, modes?: VisualMode[]): void {
    this.state.sceneCount = scenes.length;
    this.state.scenes = scenes.map<SceneProgress>((s, i) => {
      const mode = modes?.[i] ?? 'image';
      return {
        index: s.index,
        preview: s.preview,
        visual: 'pending',
        narration: 'pending',
        ...(mode !== 'image' ? { visualMode: mode, clip: 'pending' as const } : {}),
      };
    });
    if (plan) this.state.plan = plan;
    this.publish();
  }

  scene(
    index: number,
    step: 'visual' | 'narration',
    state: StepState,
    detail?: { provider?: string; error?: string },
  ): void {
    const scene = this.state.scenes[index];
    if (!scene) return;
    scene[step] = state;
    if (detail?.provider) scene[step === 'visual' ? 'visualProvider' : 'narrationProvider'] = detail.provider;
    if (detail?.error) scene.error = detail.error;
    this.publish();
  }

  /** A video scene's clip prediction; `fallback` says why the scene shows its still instead. */
  clip(index: number, state: StepState, detail?: { provider?: string; fallback?: string }): void {
    const scene = this.state.scenes[index];
    if (!scene) return;
    scene.clip = state;
    if (detail?.provider) scene.visualProvider = detail.provider;
    if (detail?.fallback) scene.fallback = detail.fallback;
    this.publish();
  }

  private publish(): void {
    const { stage, scenes, sceneCount } = this.state;
    const count = (step: 'visual' | 'narration') => scenes.filter((s) => s[step] === 'done').length;
    const rows = scenes.map(
      (s) => `| ${s.index + 1} | ${visualCell(s)} | ${s.narration} | ${s.preview.replace(/\|/g, '/')} |`,
    );
    setCurrentDetails(
      [
        `**Stage:** ${stage} · images ${count('visual')}/${sceneCount} · narration ${count('narration')}/${sceneCount}`,
        this.state.error ? `**Error:** ${this.state.error}` : '',
        this.cost ? `**Cost:** ${describeCost(this.cost)}` : '',
        this.state.budget
          ? `**Budget:** $${this.state.budget.spentUsd.toFixed(4)} spent of $${this.state.budget.maxUsd}${this.state.budget.waiting ? ' · waiting for a higher cap (raiseBudget)' : ''}`
          : '',
        stage === 'awaiting-approval' && this.state.estimate
          ? `**Waiting for approval.** Estimated cost $${this.state.estimate.usd.toFixed(4)} for ${this.state.estimate.predictions} prediction(s). POST /v1/shorts/<id>/approve to go on.`
          : '',
        rows.length ? ['', '| scene | image | narration | text |', '|---|---|---|---|', ...rows].join('\n') : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
}

/** `done`, or for a video scene `clip running`, `still (clip failed)`. */
function visualCell(s: SceneProgress): string {
  if (!s.visualMode) return s.visual;
  if (s.fallback) return `still (clip failed) ${s.visual}`;
  return s.clip === 'pending' && s.visual !== 'pending' ? `still ${s.visual}` : `clip ${s.clip}`;
}
