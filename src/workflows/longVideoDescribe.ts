import { ApplicationFailure, isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { DescribeSceneInput } from '../activities/longVideo/describe.js';
import { ErrorTypes, nonRetryableErrorTypes } from '../domain/errors.js';
import type { FoundScene, LongVideoInput, SceneDescribed } from '../domain/longVideo.js';
import { totalCost } from './chunkOutcome.js';
import { onReplicateQueue } from './replicateActivities.js';
import { rootMessage } from './sceneSteps.js';
import { userKeyFor, viaUserKey } from './userKey.js';

/** Scenes runs with `describe` take this branch (new input, new commands). */
export const LONG_VIDEO_SCENE_DESCRIPTIONS = 'long-video-scene-descriptions';

const { writeSceneList } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

export interface DescribedScenes {
  scenes: FoundScene[];
  /** "5 of 5 scenes described" */
  summary: string;
  costUsd?: number;
}

/**
 * Every scene's still described at once, one durable prediction each on the key pool (the same
 * queue and user-key handling as the chunks of a transcription), then scenes.json written again
 * with the descriptions. A scene that cannot be described keeps its place without a description
 * and says why, or fails the video with `strict`.
 */
export async function describeScenes(
  id: string,
  input: LongVideoInput,
  scenes: FoundScene[],
  durationSec: number,
): Promise<DescribedScenes> {
  const user = await userKeyFor(input);
  const activities = proxyActivities<{ describeScene(input: DescribeSceneInput): Promise<SceneDescribed> }>({
    ...onReplicateQueue(user),
    startToCloseTimeout: '30 minutes',
  });
  const { describeScene } = user ? viaUserKey(activities, user) : activities;
  const model = input.describeModel!;
  const settled = await Promise.allSettled(
    scenes.map((scene) => describeScene({ runKey: id, videoId: id, index: scene.index, stillRef: scene.still, model })),
  );
  const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
  if (cancelled?.status === 'rejected') throw cancelled.reason;
  const described = scenes.map((scene, i): FoundScene => {
    const s = settled[i]!;
    return s.status === 'fulfilled'
      ? { ...scene, description: s.value.description }
      : { ...scene, descriptionError: rootMessage(s.reason) };
  });
  const failed = described.filter((sc) => sc.descriptionError !== undefined);
  const summary = `${scenes.length - failed.length} of ${scenes.length} scenes described`;
  log.info(`${id}: ${summary}`);
  if (failed.length > 0 && input.strict) {
    throw ApplicationFailure.create({
      type: ErrorTypes.ChunkFailed,
      nonRetryable: true,
      message: `${summary}; scene ${failed[0]!.index} could not be described: ${failed[0]!.descriptionError}`,
    });
  }
  await writeSceneList({ runKey: id, durationSec, scenes: described });
  const costUsd = totalCost(settled.map((s) => (s.status === 'fulfilled' ? s.value.costUsd : undefined)));
  return { scenes: described, summary, ...(costUsd !== undefined ? { costUsd } : {}) };
}
