import { patched, proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { LongVideoResult } from '../domain/longVideo.js';
import { chunkOutcome } from './chunkOutcome.js';
import { type LongVideoTaskRun, eachChunk, throwIfCancelled } from './eachChunk.js';
import { type DescribedScenes, LONG_VIDEO_SCENE_DESCRIPTIONS, describeScenes } from './longVideoDescribe.js';

/** Runs with `task: "scenes"` take this branch (new input, new commands). */
export const LONG_VIDEO_SCENES = 'long-video-scenes';

const { detectChunkScenes, mergeScenes } = proxyActivities<PipelineActivities>({
  // Decoding twenty minutes of picture: a minute or two, heartbeating.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/**
 * The scenes of a long video: every picture chunk's scene changes found at once (locally, with
 * ffmpeg; nothing is paid for), then one list with a still per scene. A chunk that fails for good
 * is marked failed and its changes are missing, or fails the video with `strict`.
 */
export async function findScenes({
  id,
  input,
  plan,
  progress,
  changed,
  stage,
}: LongVideoTaskRun): Promise<LongVideoResult> {
  const settled = await eachChunk(plan, progress, changed, async (chunk) => {
    const found = await detectChunkScenes({
      runKey: id,
      index: chunk.index,
      chunkRef: chunk.ref,
      startSec: chunk.startSec,
    });
    return { ...found, chunk };
  });
  throwIfCancelled(settled);
  const { made, summary } = chunkOutcome(id, settled, progress, input.strict);
  stage('merging');
  const { scenes, json } = await mergeScenes({
    runKey: id,
    durationSec: plan.durationSec,
    chunks: made.map((m) => ({
      scenesRef: m.ref,
      chunkRef: m.chunk.ref,
      startSec: m.chunk.startSec,
      endSec: m.chunk.endSec,
    })),
  });
  // Only runs asked to describe take the new commands; every other scenes run replays as recorded.
  let described: DescribedScenes | undefined;
  if (input.describe && patched(LONG_VIDEO_SCENE_DESCRIPTIONS)) {
    stage('describing');
    described = await describeScenes(id, input, scenes, plan.durationSec);
  }
  stage('completed');
  return {
    task: 'scenes',
    durationSec: plan.durationSec,
    language: 'none',
    words: 0,
    chunks: progress.chunks,
    summary: described ? `${summary}; ${described.summary}` : summary,
    files: { json },
    scenes: described?.scenes ?? scenes,
    ...(described?.costUsd !== undefined ? { costUsd: described.costUsd } : {}),
  };
}
