import { isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SceneNarration } from '../activities/narration.js';
import type { RenderedSegment } from '../activities/render.js';
import type { SceneImage } from '../activities/visuals.js';
import { sumCosts } from '../domain/cost.js';
import type { ShortResult } from '../domain/result.js';
import {
  type ShortVideoInput,
  type ShortVideoWorkflowInput,
  captionStyleOf,
  dimensionsFor,
  shortVideoInputSchema,
  visualModeOf,
} from '../domain/shortRequest.js';
import { renderQueueFor } from '../domain/taskQueues.js';
import { type Timeline, buildTimeline } from '../domain/timeline.js';
import { getShortProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { BUDGET_LEDGER, BudgetLedger } from './budgetLedger.js';
import { PLAN_APPROVAL, PLAN_REVISION, approvalGate, revisePlan } from './planApproval.js';
import { planStory } from './planStory.js';
import { ProgressTracker } from './progressTracker.js';
import { allToTheEnd, forEachScene, startEachScene, unique } from './sceneSteps.js';
import { type SceneVisual, sceneVisual } from './sceneVisuals.js';
import { SEGMENTED_RENDER, renderStep } from './renderStep.js';
import { userKeyFor } from './userKey.js';
import {
  narrationStep,
  paidForPicture,
  renderScene,
  sceneCosts,
  sceneResults,
  stillStep,
  viewOf,
} from './shortSteps.js';
import { type Soundtrack, mixWithNarration, prepareBed } from './soundtrack.js';

/** Narration no longer waits for the images: both run for every scene at once. */
export const NARRATION_BESIDE_VISUALS = 'narration-beside-visuals';
/** The soundtrack (narration, music bed, ducking, −14 LUFS) is mixed on its own, before the render. */
export const SOUNDTRACK_MIX = 'soundtrack-mix';
/**
 * Scenes may show clips from video models (text-to-video, or their still animated). Only runs that
 * ask for a video scene take this branch, so an all-stills run issues the commands it always did.
 */
export const VIDEO_SCENES = 'video-scenes';

/** story → scene plan → images and narration for every scene at once → soundtrack → one-pass render. */
export async function shortVideo(rawInput: ShortVideoWorkflowInput): Promise<ShortResult> {
  const progress = new ProgressTracker();
  setHandler(getShortProgressQuery, () => progress.snapshot());

  const input = parseWorkflowInput('shortVideo', shortVideoInputSchema, rawInput);
  // Registered before planning, so an approval that comes too early is refused, not lost.
  const awaitApproval = input.approval ? approvalGate(progress) : undefined;
  // The ledger and its raiseBudget update exist from the start, so the cap can be raised any time.
  const ledger =
    input.budget && patched(BUDGET_LEDGER) ? new BudgetLedger(input.budget, (s) => progress.budget(s)) : undefined;
  const runKey = workflowInfo().workflowId;
  const { width, height } = dimensionsFor(input.aspect);
  // A run started with a user's own Replicate token predicts with it alone, on its own key worker.
  const user = await userKeyFor(input);
  const { renderShort, startSegments, joinRendered } = renderStep(
    input.renderTaskQueue ?? renderQueueFor(workflowInfo().taskQueue),
  );

  try {
    let plan =
      input.revision && patched(PLAN_REVISION)
        ? await revisePlan(input.revision, runKey)
        : await planStory(input, runKey);
    if (awaitApproval && patched(PLAN_APPROVAL)) {
      progress.planned(plan.scenes, viewOf(plan));
      plan = await awaitApproval(input, runKey, plan);
    }
    const planView = viewOf(plan);
    const sceneCount = plan.scenes.length;
    const modes = plan.scenes.map((_, i) => visualModeOf(input.visuals, i));
    const withClips = modes.some((m) => m !== 'image') && patched(VIDEO_SCENES);
    progress.planned(plan.scenes, planView, withClips ? modes : undefined);

    const still = stillStep(input, plan, runKey, ledger, user);
    const narrateScene = narrationStep(input, plan, runKey, ledger, user);
    const transitionSec = input.transition.type === 'cut' ? 0 : input.transition.duration;
    const timelineOf = (narrations: SceneNarration[]) =>
      buildTimeline(
        narrations.map((n) => n.durationSec),
        transitionSec,
        input.fps,
      );
    const captionStyle = captionStyleOf(input.captions);
    const renderBase = (timeline: Timeline) => ({
      runKey,
      planRef: plan.planRef,
      language: plan.language,
      width,
      height,
      fps: input.fps,
      transition: { type: input.transition.type, duration: transitionSec },
      captions: captionStyle !== 'none',
      ...(captionStyle !== 'none' ? { captionStyle } : {}),
      timeline,
    });
    const segmented = (input.render === 'segmented' || input.revision !== undefined) && patched(SEGMENTED_RENDER);
    let segments: Promise<RenderedSegment[]> | undefined;

    let images: (SceneImage | SceneVisual)[];
    let narrations: SceneNarration[];
    let soundtrack: Soundtrack | undefined;
    if (patched(NARRATION_BESIDE_VISUALS)) {
      // Narration does not need the images, and the music bed needs neither: all start at once.
      progress.stage('scenes');
      const bed = patched(SOUNDTRACK_MIX)
        ? prepareBed({ runKey, input, plan, ledger, ...(user ? { user } : {}) })
        : undefined;
      const narrated = startEachScene(sceneCount, 'narration', progress, narrateScene);
      // A video scene's clip waits for its own narration (its length) and, animated, its still.
      const visualContext = {
        runKey,
        planRef: plan.planRef,
        aspect: input.aspect,
        fps: input.fps,
        transitionSec,
        progress,
        still,
        models: {
          video: input.videoModel,
          'image-to-video': input.imageToVideoModel ?? input.videoModel,
        },
        ...(input.videoModelInput ? { modelInput: input.videoModelInput } : {}),
        fit: input.clipFit ?? 'hold',
        strict: input.strict === true,
        ...(ledger ? { ledger } : {}),
        ...(user ? { user } : {}),
        ...(input.cache === false ? { cache: false as const } : {}),
      };
      const shown: { each: Promise<SceneImage | SceneVisual>[]; all: Promise<(SceneImage | SceneVisual)[]> } = withClips
        ? startEachScene(sceneCount, 'visual', progress, (i) =>
            sceneVisual(visualContext, i, modes[i]!, narrated.each[i]!),
          )
        : startEachScene(sceneCount, 'visual', progress, still);
      // Segments start as soon as the timeline (every narration) and their own scenes' pictures are there.
      segments = segmented
        ? narrated.all.then((n) =>
            startSegments(
              renderBase(timelineOf(n)),
              n.map((narration) => renderScene(undefined, narration)),
              (i) =>
                shown.each[i]!.then((visual) => ({
                  scene: renderScene(visual, n[i]!),
                  paidFor: paidForPicture(visual),
                })),
            ),
          )
        : undefined;
      const mixed = bed
        ? Promise.all([narrated.all, bed]).then(([n, b]) =>
            mixWithNarration({ runKey, input, narrations: n, timeline: timelineOf(n), bed: b }),
          )
        : Promise.resolve(undefined);
      [images, narrations, soundtrack] = await allToTheEnd([
        shown.all,
        narrated.all,
        mixed,
        segments ?? Promise.resolve(undefined),
      ] as const);
    } else {
      progress.stage('visuals');
      images = await forEachScene(sceneCount, 'visual', progress, still);
      progress.stage('narration');
      narrations = await forEachScene(sceneCount, 'narration', progress, narrateScene);
    }

    progress.stage('rendering');
    const timeline = timelineOf(narrations);
    const renderInput = {
      ...renderBase(timeline),
      ...(soundtrack ? { soundtrackRef: soundtrack.soundtrackRef } : {}),
      scenes: images.map((image, i) => renderScene(image, narrations[i]!)),
    };
    const video = segmented
      ? await joinRendered(
          renderInput,
          await (segments ??
            startSegments(renderInput, renderInput.scenes, (i) =>
              Promise.resolve({ scene: renderInput.scenes[i]!, paidFor: false }),
            )),
        )
      : await renderShort(renderInput);
    const fallbacks = images.flatMap((image, i) =>
      'fallback' in image && image.fallback ? [{ scene: i + 1, ...image.fallback }] : [],
    );

    const cost = sumCosts([
      ...images.flatMap((image, i) => sceneCosts(image, narrations[i]!)),
      ...(soundtrack?.music.cost ? [soundtrack.music.cost] : []),
    ]);
    progress.spent(cost);
    progress.stage('completed');
    return {
      ...video,
      language: plan.language,
      offline:
        images.every((i) => i.offline) && narrations.every((n) => n.offline) && soundtrack?.music.offline !== false,
      providers: {
        plan: plan.planner,
        visuals: unique(images.map((i) => i.provider)),
        narration: unique(narrations.map((n) => n.provider)),
        render: 'ffmpeg',
      },
      scenes: sceneResults(timeline, plan, images, narrations),
      plan: planView,
      ...(soundtrack ? { soundtrack: soundtrack.facts } : {}),
      ...(fallbacks.length ? { fallbacks } : {}),
      cost,
      ...(input.revision
        ? {
            revisionOf: {
              parentId: input.revision.parentId,
              ...(input.revision.scene !== undefined ? { scene: input.revision.scene + 1 } : {}),
            },
          }
        : {}),
    };
  } catch (err) {
    if (isCancellation(err)) progress.stage('cancelled');
    else progress.stage('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

export type { ShortVideoInput };
