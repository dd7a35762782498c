import {
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineActivities, RenderQueueActivities } from '../activities/index.js';
import { ErrorTypes, nonRetryableErrorTypes } from '../domain/errors.js';
import type { SceneResult, ShortResult } from '../domain/result.js';
import { type ShortVideoWorkflowInput, captionStyleOf, dimensionsFor, shortVideoInputSchema } from '../domain/shortRequest.js';
import { renderQueueFor } from '../domain/taskQueues.js';
import { buildTimeline } from '../domain/timeline.js';
import { getShortProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { ProgressTracker } from './progressTracker.js';
import { DEFAULT_REPLICATE_MODEL, replicateActivities } from './replicateActivities.js';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes };

const { planScenes } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 3 },
});

// Local providers finish in seconds; a generous bound still catches a hung espeak-ng.
const { generateSceneImage, synthesizeNarration } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { ...retry, maximumAttempts: 5 },
});

/** story → scene plan → visuals (parallel) → narration (parallel) → one-pass render. */
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
    const plan = await planScenes({
      runKey,
      story: input.story,
      sceneCount: input.sceneCount,
      language: input.language,
      style: input.style,
    });
    progress.planned(plan.scenes);

    progress.stage('visuals');
    const images = await forEachScene(plan.scenes.length, 'visual', progress, (sceneIndex) =>
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

    progress.stage('narration');
    const narrations = await forEachScene(plan.scenes.length, 'narration', progress, (sceneIndex) =>
      synthesizeNarration({ runKey, planRef: plan.planRef, sceneIndex, language: plan.language, voice: input.voice }),
    );

    progress.stage('rendering');
    const transitionSec = input.transition.type === 'cut' ? 0 : input.transition.duration;
    const timeline = buildTimeline(
      narrations.map((n) => n.durationSec),
      transitionSec,
      input.fps,
    );
    const video = await renderShort({
      runKey,
      planRef: plan.planRef,
      language: plan.language,
      width,
      height,
      fps: input.fps,
      transition: { type: input.transition.type, duration: transitionSec },
      captions: captionStyleOf(input.captions) !== 'none',
      timeline,
      scenes: images.map((image, i) => ({ imageRef: image.imageRef, narrationRef: narrations[i]!.narrationRef })),
    });

    const scenes: SceneResult[] = timeline.scenes.map((timing, i) => ({
      ...timing,
      preview: plan.scenes[i]?.preview,
      imageRef: images[i]!.imageRef,
      narrationRef: narrations[i]!.narrationRef,
      visualProvider: images[i]!.provider,
      narrationProvider: narrations[i]!.provider,
      voice: narrations[i]!.voice,
    }));
    progress.stage('completed');
    return {
      ...video,
      language: plan.language,
      offline: images.every((i) => i.offline) && narrations.every((n) => n.offline),
      providers: {
        plan: plan.planner,
        visuals: unique(images.map((i) => i.provider)),
        narration: unique(narrations.map((n) => n.provider)),
        render: 'ffmpeg',
      },
      scenes,
    };
  } catch (err) {
    if (isCancellation(err)) progress.stage('cancelled');
    else progress.stage('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/**
 * Runs one step for every scene in parallel. Every scene runs to its end even when another fails,
 * so finished assets are kept for a rerun; then the failures are reported together, by scene.
 */
async function forEachScene<T>(
  count: number,
  step: 'visual' | 'narration',
  progress: ProgressTracker,
  work: (sceneIndex: number) => Promise<T & { provider: string }>,
): Promise<T[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      progress.scene(i, step, 'running');
      try {
        const result = await work(i);
        progress.scene(i, step, 'done', { provider: result.provider });
        return result;
      } catch (err) {
        progress.scene(i, step, 'failed', { error: rootMessage(err) });
        throw err;
      }
    }),
  );
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ i, reason: s.reason as unknown }] : []));
  if (failed.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  const cancelled = failed.find((f) => isCancellation(f.reason));
  if (cancelled) throw cancelled.reason;
  log.warn(`${step} failed for ${failed.length} scene(s)`, { scenes: failed.map((f) => f.i + 1) });
  // When every scene failed for the same reason (say, ToolMissing), keep that type: it carries the advice.
  const types = new Set(failed.map((f) => rootFailure(f.reason).type));
  const shared = types.size === 1 ? [...types][0] : undefined;
  const messages = [...new Set(failed.map((f) => rootMessage(f.reason)))];
  throw ApplicationFailure.create({
    type: shared ?? (step === 'visual' ? ErrorTypes.VisualFailed : ErrorTypes.NarrationFailed),
    nonRetryable: true,
    message: `${step === 'visual' ? 'Image' : 'Narration'} failed for scene(s) ${failed.map((f) => f.i + 1).join(', ')}: ${messages.join(' | ')}`,
  });
}

function rootFailure(err: unknown): { message?: string; type?: string } {
  let current = err as { message?: string; type?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current ?? {};
}

function rootMessage(err: unknown): string {
  return rootFailure(err).message ?? String(err);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
