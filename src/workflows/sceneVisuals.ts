import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { SceneNarration } from '../activities/narration.js';
import type { SceneClip } from '../activities/replicateVideo.js';
import type { SceneImage } from '../activities/visuals.js';
import { ErrorTypes } from '../domain/errors.js';
import type { Cost } from '../domain/cost.js';
import type { SceneFallback } from '../domain/result.js';
import { type Aspect, type ClipFitChoice, type VisualMode } from '../domain/shortRequest.js';
import { sceneSeconds } from '../domain/timeline.js';
import type { UserKey } from './userKey.js';
import type { ProgressTracker } from './progressTracker.js';
import { replicateVideoActivities } from './replicateActivities.js';
import { rootFailure } from './sceneSteps.js';
import { type BudgetLedger, withinBudget } from './budgetLedger.js';
import { STILL_NOT_MADE_YET, estimateCost } from '../catalog/cost.js';

/** What one scene shows: its still, a clip, or its still because the clip failed (`fallback`). */
export interface SceneVisual {
  mode: VisualMode;
  /** The still: made for stills and image-to-video scenes, and for a video scene that fell back. */
  imageRef?: string;
  clipRef?: string;
  fit?: ClipFitChoice;
  /** Who made what is shown. */
  provider: string;
  offline: boolean;
  fallback?: SceneFallback;
  /** Every prediction paid for what the scene shows (its still, its clip). */
  costs: Cost[];
  /** What the scene shows came from the generation cache. */
  cached?: boolean;
}

export interface SceneVisualContext {
  runKey: string;
  planRef: string;
  aspect: Aspect;
  fps: number;
  transitionSec: number;
  progress: ProgressTracker;
  /** Makes the scene's still (Replicate's image model, or the offline art). */
  still: (sceneIndex: number) => Promise<SceneImage>;
  /** The video model for each video mode (a request's videoModel serves both; the API fills each mode's default only when it names none). */
  models: Partial<Record<Exclude<VisualMode, 'image'>, string>>;
  modelInput?: Record<string, string | number | boolean>;
  fit: ClipFitChoice;
  /** A clip that fails for good fails the run instead of falling back to the still. */
  strict: boolean;
  /** The run's budget ledger, when it has a budget. */
  ledger?: BudgetLedger;
  /** A user's own Replicate key, when the run was started with one. */
  user?: UserKey;
  /** false: the clips bypass the generation cache. */
  cache?: false;
}

/**
 * Scene `i`'s visual for its mode. A clip is ordered once the scene's narration says how long the
 * scene lasts (and, for image-to-video, once its still exists), so each scene's clip starts as soon
 * as that scene is ready, whatever the others do. A clip that fails for good (a 422, a safety
 * filter, retries spent) leaves the scene with its still and the reason, unless the run is strict;
 * a cancellation always ends the run.
 */
export async function sceneVisual(
  ctx: SceneVisualContext,
  index: number,
  mode: VisualMode,
  narrated: Promise<SceneNarration>,
): Promise<SceneVisual> {
  if (mode === 'image') return shownStill(mode, await ctx.still(index));
  const still = mode === 'image-to-video' ? await ctx.still(index) : undefined;
  const narration = await narrated.catch(() => undefined);
  // Without its narration the run fails anyway; a clip would be paid for nothing.
  if (!narration) {
    throw ApplicationFailure.create({
      type: ErrorTypes.NarrationFailed,
      nonRetryable: true,
      message: `Scene ${index + 1} has no clip: its narration failed.`,
    });
  }
  const model = ctx.models[mode];
  if (!model) throw new Error(`no ${mode} model in the workflow input for scene ${index + 1}`);
  ctx.progress.clip(index, 'running');
  let clip: SceneClip;
  const durationSec = sceneSeconds(index, narration.durationSec, ctx.transitionSec, ctx.fps);
  try {
    clip = await withinBudget(
      ctx.ledger,
      `Scene ${index + 1}'s clip`,
      () =>
        estimateCost(model, {
          aspect: ctx.aspect,
          durationSec,
          ...(still ? { imageUrl: STILL_NOT_MADE_YET } : {}),
          modelInput: ctx.modelInput,
        }).usd,
      () =>
        replicateVideoActivities(model, ctx.user).generateSceneVideoOnReplicate({
          runKey: ctx.runKey,
          planRef: ctx.planRef,
          sceneIndex: index,
          aspect: ctx.aspect,
          model,
          durationSec,
          ...(still ? { imageRef: still.imageRef } : {}),
          ...(ctx.modelInput ? { modelInput: ctx.modelInput } : {}),
          ...(ctx.cache === false ? { cache: false } : {}),
        }),
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Over the budget is the run's decision, not this scene's failure.
    if (rootFailure(err).type === ErrorTypes.BudgetExceeded) throw err;
    const root = rootFailure(err);
    const fallback: SceneFallback = {
      ...(root.type ? { type: root.type } : {}),
      reason: root.message ?? String(err),
    };
    ctx.progress.clip(index, 'failed', { fallback: fallback.reason });
    if (ctx.strict) {
      throw ApplicationFailure.create({
        type: ErrorTypes.VideoFailed,
        nonRetryable: true,
        message: `Scene ${index + 1}'s clip failed and the run is strict: ${fallback.reason}`,
      });
    }
    return { ...shownStill(mode, still ?? (await ctx.still(index))), fallback };
  }
  ctx.progress.clip(index, 'done', { provider: clip.provider });
  return {
    mode,
    ...(still ? { imageRef: still.imageRef } : {}),
    clipRef: clip.clipRef,
    fit: ctx.fit,
    provider: clip.provider,
    offline: false,
    costs: [still?.cost, clip.cost].filter((c): c is Cost => c !== undefined),
    ...(clip.cached ? { cached: true } : {}),
  };
}

function shownStill(mode: VisualMode, still: SceneImage): SceneVisual {
  const { cost, ...image } = still;
  return { mode, ...image, costs: cost ? [cost] : [] };
}
