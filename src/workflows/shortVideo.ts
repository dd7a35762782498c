import { isCancellation, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PipelineActivities, RenderQueueActivities } from '../activities/index.js';
import type { SceneNarration } from '../activities/narration.js';
import type { PlanResult } from '../activities/plan.js';
import type { SceneImage } from '../activities/visuals.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { PlanView } from '../domain/progress.js';
import type { SceneResult, ShortResult } from '../domain/result.js';
import {
  type ShortVideoInput,
  type ShortVideoWorkflowInput,
  captionStyleOf,
  dimensionsFor,
  shortVideoInputSchema,
} from '../domain/shortRequest.js';
import { renderQueueFor } from '../domain/taskQueues.js';
import { type Timeline, buildTimeline } from '../domain/timeline.js';
import { providerNonRetryableTypes } from '../providers/failures.js';
import { getShortProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { planStory } from './planStory.js';
import { ProgressTracker } from './progressTracker.js';
import { DEFAULT_REPLICATE_MODEL, DEFAULT_SPEECH_MODEL, replicateActivities } from './replicateActivities.js';
import { allToTheEnd, forEachScene, unique } from './sceneSteps.js';
import { type Soundtrack, mixWithNarration, prepareBed } from './soundtrack.js';

/** Narration no longer waits for the images: both run for every scene at once. */
export const NARRATION_BESIDE_VISUALS = 'narration-beside-visuals';
/** The soundtrack (narration, music bed, ducking, −14 LUFS) is mixed on its own, before the render. */
export const SOUNDTRACK_MIX = 'soundtrack-mix';

const retry = {
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
  retry: { ...retry, maximumAttempts: 5 },
});

/** story → scene plan → images and narration for every scene at once → soundtrack → one-pass render. */
export async function shortVideo(rawInput: ShortVideoWorkflowInput): Promise<ShortResult> {
  const progress = new ProgressTracker();
  setHandler(getShortProgressQuery, () => progress.snapshot());

  const input = parseWorkflowInput('shortVideo', shortVideoInputSchema, rawInput);
  const runKey = workflowInfo().workflowId;
  const { width, height } = dimensionsFor(input.aspect);
  const { renderShort } = proxyActivities<RenderQueueActivities>({
    taskQueue: input.renderTaskQueue ?? renderQueueFor(workflowInfo().taskQueue),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '1 minute',
    retry: { ...retry, maximumAttempts: 3 },
  });

  try {
    const plan = await planStory(input, runKey);
    const planView = viewOf(plan);
    progress.planned(plan.scenes, planView);

    const sceneCount = plan.scenes.length;
    const visuals = () =>
      forEachScene(sceneCount, 'visual', progress, (sceneIndex) =>
        input.provider === 'replicate'
          ? replicateActivities().generateSceneImageOnReplicate({
              runKey,
              planRef: plan.planRef,
              sceneIndex,
              aspect: input.aspect,
              model: input.model ?? DEFAULT_REPLICATE_MODEL,
              modelInput: input.modelInput,
            })
          : generateSceneImage({ runKey, planRef: plan.planRef, sceneIndex, width, height }),
      );
    const narration = input.narration;
    const narrate = () =>
      forEachScene(sceneCount, 'narration', progress, (sceneIndex) =>
        narration?.provider === 'replicate'
          ? replicateActivities().synthesizeNarrationOnReplicate({
              runKey,
              planRef: plan.planRef,
              sceneIndex,
              language: plan.language,
              model: narration.model ?? DEFAULT_SPEECH_MODEL,
              ...(narration.voice ? { voice: narration.voice } : {}),
              ...(narration.speed ? { speed: narration.speed } : {}),
            })
          : synthesizeNarration({
              runKey,
              planRef: plan.planRef,
              sceneIndex,
              language: plan.language,
              voice: input.narration?.voice ?? input.voice,
              ...(input.narration?.provider ? { provider: input.narration.provider } : {}),
              ...(input.narration?.model ? { model: input.narration.model } : {}),
              ...(input.narration?.speed ? { speed: input.narration.speed } : {}),
            }),
      );
    const transitionSec = input.transition.type === 'cut' ? 0 : input.transition.duration;
    const timelineOf = (narrations: SceneNarration[]) =>
      buildTimeline(
        narrations.map((n) => n.durationSec),
        transitionSec,
        input.fps,
      );

    let images: SceneImage[];
    let narrations: SceneNarration[];
    let soundtrack: Soundtrack | undefined;
    if (patched(NARRATION_BESIDE_VISUALS)) {
      // Narration does not need the images, and the music bed needs neither: all start at once.
      progress.stage('scenes');
      const bed = patched(SOUNDTRACK_MIX) ? prepareBed({ runKey, input, plan }) : undefined;
      const narrated = narrate();
      const mixed = bed
        ? Promise.all([narrated, bed]).then(([n, b]) =>
            mixWithNarration({ runKey, input, narrations: n, timeline: timelineOf(n), bed: b }),
          )
        : Promise.resolve(undefined);
      [images, narrations, soundtrack] = await allToTheEnd([visuals(), narrated, mixed] as const);
    } else {
      progress.stage('visuals');
      images = await visuals();
      progress.stage('narration');
      narrations = await narrate();
    }

    progress.stage('rendering');
    const timeline = timelineOf(narrations);
    const captionStyle = captionStyleOf(input.captions);
    const video = await renderShort({
      runKey,
      planRef: plan.planRef,
      language: plan.language,
      width,
      height,
      fps: input.fps,
      transition: { type: input.transition.type, duration: transitionSec },
      captions: captionStyle !== 'none',
      ...(captionStyle !== 'none' ? { captionStyle } : {}),
      ...(soundtrack ? { soundtrackRef: soundtrack.soundtrackRef } : {}),
      timeline,
      scenes: images.map((image, i) => ({
        imageRef: image.imageRef,
        narrationRef: narrations[i]!.narrationRef,
        ...(narrations[i]!.wordsRef ? { wordsRef: narrations[i]!.wordsRef } : {}),
      })),
    });

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
    };
  } catch (err) {
    if (isCancellation(err)) progress.stage('cancelled');
    else progress.stage('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

function sceneResults(
  timeline: Timeline,
  plan: PlanResult,
  images: SceneImage[],
  narrations: SceneNarration[],
): SceneResult[] {
  return timeline.scenes.map((timing, i) => ({
    ...timing,
    preview: plan.scenes[i]?.preview,
    imageRef: images[i]!.imageRef,
    narrationRef: narrations[i]!.narrationRef,
    visualProvider: images[i]!.provider,
    narrationProvider: narrations[i]!.provider,
    voice: narrations[i]!.voice,
    ...(narrations[i]!.wordsSource ? { wordsSource: narrations[i]!.wordsSource } : {}),
  }));
}

/** The plan as the API shows it: everything but storage keys. */
function viewOf(plan: PlanResult): PlanView {
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

export type { ShortVideoInput };
