import { proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { CustomChunkDone, CustomChunkInput } from '../activities/longVideo/custom.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import type { LongVideoResult } from '../domain/longVideo.js';
import { chunkOutcome, totalCost } from './chunkOutcome.js';
import { type LongVideoTaskRun, chunkCall, eachChunk, throwIfCancelled } from './eachChunk.js';
import { onReplicateQueue } from './replicateActivities.js';
import { userKeyFor, viaUserKey } from './userKey.js';

/** Runs with `task: "custom"` take this branch (new input, new commands). */
export const LONG_VIDEO_CUSTOM = 'long-video-custom';

const { mergeCustomOutputs } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/**
 * The caller's model on every chunk at once, one durable prediction each on the key pool (the
 * chunks of all running videos share its slots, as a transcription's do), then every chunk's
 * output at its offset in outputs.json. A chunk that fails for good is marked failed and has no
 * output, or fails the video with `strict`.
 */
export async function runCustomTask({
  id,
  input,
  plan,
  progress,
  changed,
  stage,
}: LongVideoTaskRun): Promise<LongVideoResult> {
  const custom = input.custom!;
  const user = await userKeyFor(input);
  const activities = proxyActivities<{ runCustomChunk(input: CustomChunkInput): Promise<CustomChunkDone> }>({
    ...onReplicateQueue(user),
    startToCloseTimeout: '30 minutes',
  });
  const { runCustomChunk } = user ? viaUserKey(activities, user) : activities;
  const settled = await eachChunk(plan, progress, changed, (chunk) =>
    runCustomChunk({ ...chunkCall(id, chunk, custom.model, input.language), input: custom.input }),
  );
  throwIfCancelled(settled);
  const { made, summary } = chunkOutcome(id, settled, progress, input.strict);
  stage('merging');
  const json = await mergeCustomOutputs({
    runKey: id,
    model: custom.model,
    durationSec: plan.durationSec,
    chunkRefs: made.map((m) => m.ref),
  });
  stage('completed');
  const costUsd = totalCost(made.map((m) => m.costUsd));
  return {
    task: 'custom',
    durationSec: plan.durationSec,
    language: input.language ?? 'none',
    words: 0,
    chunks: progress.chunks,
    summary,
    files: { json },
    outputFiles: made.flatMap((m) => m.files),
    ...(costUsd !== undefined ? { costUsd } : {}),
  };
}
