/**
 * The per-scene steps of a short and the views of what they made: a scene's still, its narration,
 * the plan as the API shows it and the scenes as the result lists them. shortVideo.ts arranges them.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { SceneNarration } from '../activities/narration.js';
import type { PlanResult } from '../activities/plan.js';
import type { RenderShortScene } from '../activities/render.js';
import type { SceneImage } from '../activities/visuals.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { PlanView } from '../domain/progress.js';
import { estimateCost } from '../catalog/cost.js';
import { type Cost, sumCosts } from '../domain/cost.js';
import type { SceneResult } from '../domain/result.js';
import { type ShortVideoInput, dimensionsFor } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import { providerNonRetryableTypes } from '../providers/failures.js';
import { DEFAULT_REPLICATE_MODEL, DEFAULT_SPEECH_MODEL, replicateActivities } from './replicateActivities.js';
import { type BudgetLedger, withinBudget } from './budgetLedger.js';
import type { SceneVisual } from './sceneVisuals.js';
import type { UserKey } from './userKey.js';

export const stepRetry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [...nonRetryableErrorTypes, ...providerNonRetryableTypes],
};

// Local providers finish in seconds and paid voices in tens of seconds; a generous bound still
// catches a hung espeak-ng or a connection that never answers. They heartbeat every 2 s, so a
// worker that dies mid-scene is noticed in 15 s, not after the whole start-to-close timeout.
const { generateSceneImage, synthesizeNarration } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { ...stepRetry, maximumAttempts: 5 },
});

/** Scene `i`'s still: the request's Replicate image model, or the offline art. */
export function stillStep(
  input: ShortVideoInput,
  plan: PlanResult,
  runKey: string,
  ledger?: BudgetLedger,
  user?: UserKey,
) {
  const { width, height } = dimensionsFor(input.aspect);
  const model = input.model ?? DEFAULT_REPLICATE_MODEL;
  return (sceneIndex: number): Promise<SceneImage> =>
    input.provider === 'replicate'
      ? withinBudget(
          ledger,
          `Scene ${sceneIndex + 1}'s image`,
          () => estimateCost(model, { aspect: input.aspect, modelInput: input.modelInput }).usd,
          () =>
            replicateActivities(user).generateSceneImageOnReplicate({
              runKey,
              planRef: plan.planRef,
              sceneIndex,
              aspect: input.aspect,
              model,
              modelInput: input.modelInput,
              ...(input.cache === false ? { cache: false } : {}),
            }),
        )
      : generateSceneImage({ runKey, planRef: plan.planRef, sceneIndex, width, height });
}

/** Scene `i`'s narration, with the request's voice. */
export function narrationStep(
  input: ShortVideoInput,
  plan: PlanResult,
  runKey: string,
  ledger?: BudgetLedger,
  user?: UserKey,
) {
  const narration = input.narration;
  return (sceneIndex: number): Promise<SceneNarration> =>
    narration?.provider === 'replicate'
      ? withinBudget(
          ledger,
          `Scene ${sceneIndex + 1}'s narration`,
          () =>
            estimateCost(narration.model ?? DEFAULT_SPEECH_MODEL, {
              prompt: plan.scenes[sceneIndex]?.narration ?? plan.scenes[sceneIndex]?.preview ?? '',
              aspect: input.aspect,
            }).usd,
          () =>
            replicateActivities(user).synthesizeNarrationOnReplicate({
              runKey,
              planRef: plan.planRef,
              sceneIndex,
              language: plan.language,
              model: narration.model ?? DEFAULT_SPEECH_MODEL,
              ...(narration.voice ? { voice: narration.voice } : {}),
              ...(narration.speed ? { speed: narration.speed } : {}),
            }),
        )
      : synthesizeNarration({
          runKey,
          planRef: plan.planRef,
          sceneIndex,
          language: plan.language,
          voice: narration?.voice ?? input.voice,
          ...(narration?.provider ? { provider: narration.provider } : {}),
          ...(narration?.model ? { model: narration.model } : {}),
          ...(narration?.speed ? { speed: narration.speed } : {}),
          ...(input.cache === false ? { cache: false } : {}),
        });
}

/** What each scene shows, as the result lists it: a still, or for video scenes the mode and clip. */
export function sceneResults(
  timeline: Timeline,
  plan: PlanResult,
  visuals: (SceneImage | SceneVisual)[],
  narrations: SceneNarration[],
): SceneResult[] {
  return timeline.scenes.map((timing, i) => {
    const visual = visuals[i]!;
    const video = 'mode' in visual && visual.mode !== 'image' ? visual : undefined;
    return {
      ...timing,
      preview: plan.scenes[i]?.preview,
      ...(visual.imageRef ? { imageRef: visual.imageRef } : {}),
      ...(video?.clipRef ? { clipRef: video.clipRef } : {}),
      narrationRef: narrations[i]!.narrationRef,
      visualProvider: visual.provider,
      ...(video ? { visualMode: video.mode } : {}),
      ...(video?.fallback ? { fallback: video.fallback } : {}),
      ...(visual.cached ? { cached: true } : {}),
      narrationProvider: narrations[i]!.provider,
      voice: narrations[i]!.voice,
      ...(narrations[i]!.wordsSource ? { wordsSource: narrations[i]!.wordsSource } : {}),
      cost: sumCosts(sceneCosts(visual, narrations[i]!)),
    };
  });
}

/** Every prediction paid for one scene: what it shows (still, clip) and its voice. */
export function sceneCosts(visual: SceneImage | SceneVisual, narration: SceneNarration): Cost[] {
  const shown = 'costs' in visual ? visual.costs : visual.cost ? [visual.cost] : [];
  return narration.cost ? [...shown, narration.cost] : shown;
}

/** The scene's picture came from a prediction made in this run (new bytes), not from the cache. */
export function paidForPicture(visual: SceneImage | SceneVisual): boolean {
  const paid = 'costs' in visual ? visual.costs.length > 0 : visual.cost !== undefined;
  return paid && !visual.cached;
}

/** Scene `i` as the render reads it: its picture (when it is known yet) and its narration. */
export function renderScene(visual: SceneImage | SceneVisual | undefined, narration: SceneNarration): RenderShortScene {
  return {
    ...(visual?.imageRef !== undefined ? { imageRef: visual.imageRef } : {}),
    ...(visual && 'clipRef' in visual && visual.clipRef ? { clipRef: visual.clipRef, fit: visual.fit ?? 'hold' } : {}),
    narrationRef: narration.narrationRef,
    ...(narration.wordsRef ? { wordsRef: narration.wordsRef } : {}),
  };
}

/** The plan as the API shows it: everything but storage keys. */
export function viewOf(plan: PlanResult): PlanView {
  return {
    title: plan.title,
    planner: plan.planner,
    structure: plan.structure,
    ...(plan.fallbackReason ? { fallbackReason: plan.fallbackReason } : {}),
    characters: plan.characters,
    scenes: plan.scenes.map(({ act, narration, imagePrompt, motionPrompt, mood }) => ({
      ...(act ? { act } : {}),
      narration,
      imagePrompt,
      motionPrompt,
      mood,
    })),
  };
}
