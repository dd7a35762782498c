import {
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { TranscribeChunkInput } from '../activities/longVideo/transcribe.js';
import type { ChunkTranscribed } from '../domain/longVideo.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import {
  type LongVideoInput,
  type LongVideoProgress,
  type LongVideoResult,
  fetchedSourceRef,
  longVideoInputSchema,
} from '../domain/longVideo.js';
import { chunkOutcome, totalCost } from './chunkOutcome.js';
import { chunkCall, eachChunk } from './eachChunk.js';
import { LONG_VIDEO_CUSTOM, runCustomTask } from './longVideoCustom.js';
import { getLongVideoProgressQuery } from './definitions.js';
import { LONG_VIDEO_SCENES, findScenes } from './longVideoScenes.js';
import { parseWorkflowInput } from './input.js';
import { onReplicateQueue } from './replicateActivities.js';
import { publishStage } from './stageAttribute.js';
import { publishTable } from './webUiDetails.js';
import { formatClock } from '../domain/timeline.js';
import { userKeyFor, viaUserKey } from './userKey.js';

const { prepareLongVideo, mergeTranscript } = proxyActivities<PipelineActivities>({
  // Fetching and cutting an hour of video: minutes at worst, heartbeating throughout.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/**
 * A long video (POST /v1/videos): its audio cut into chunks at silences (stream copy), every chunk
 * transcribed at once on the key pool (all chunks of all running videos share its slots; each
 * chunk's retries are its own), then one timeline merged from them. A chunk that fails for good
 * is marked failed and the video completes without it, or the video fails with `strict`.
 * Cancelling cancels every chunk's prediction upstream (the activities see the cancellation).
 */
export async function longVideo(rawInput: LongVideoInput): Promise<LongVideoResult> {
  const input = parseWorkflowInput('longVideo', longVideoInputSchema, rawInput);
  const progress: LongVideoProgress = { stage: 'preparing', task: input.task, chunks: [] };
  setHandler(getLongVideoProgressQuery, () => ({ ...progress, chunks: progress.chunks.map((c) => ({ ...c })) }));
  const id = workflowInfo().workflowId;
  const stage = (s: LongVideoProgress['stage']) => {
    progress.stage = s;
    publishStage(s);
    publishDetails(progress);
  };
  try {
    stage('preparing');
    const plan = await prepareLongVideo({
      runKey: id,
      source: input.url !== undefined ? { url: input.url } : { ref: input.ref! },
      chunkSec: input.chunkMinutes * 60,
      task: input.task,
      ...(input.custom ? { media: input.custom.media } : {}),
    });
    progress.durationSec = plan.durationSec;
    progress.chunks = plan.chunks.map((c) => ({
      index: c.index,
      startSec: c.startSec,
      endSec: c.endSec,
      status: 'pending',
    }));
    log.info(
      `${id}: ${plan.chunks.length} chunks of ${plan.durationSec.toFixed(0)} s, cut in ${plan.splitSeconds.toFixed(1)} s`,
    );

    stage('chunks');
    const run = { id, input, plan, progress, changed: () => publishDetails(progress), stage };
    if (input.task === 'scenes' && patched(LONG_VIDEO_SCENES)) {
      return await findScenes(run);
    }
    if (input.task === 'custom' && patched(LONG_VIDEO_CUSTOM)) {
      return await runCustomTask(run);
    }
    const user = await userKeyFor(input);
    const activities = proxyActivities<{ transcribeChunk(input: TranscribeChunkInput): Promise<ChunkTranscribed> }>({
      ...onReplicateQueue(user),
      startToCloseTimeout: '30 minutes',
    });
    const { transcribeChunk } = user ? viaUserKey(activities, user) : activities;
    const settled = await eachChunk(
      plan,
      progress,
      () => publishDetails(progress),
      (chunk) => transcribeChunk(chunkCall(id, chunk, input.model, input.language)),
    );
    if (CancellationScope.current().consideredCancelled) throw settled.find((s) => s.status === 'rejected')?.reason;
    const { made, summary } = chunkOutcome(id, settled, progress, input.strict);

    stage('merging');
    const merged = await mergeTranscript({
      runKey: id,
      durationSec: plan.durationSec,
      chunkRefs: made.map((m) => m.ref),
    });
    stage('completed');
    const costUsd = totalCost(made.map((m) => m.costUsd));
    return {
      task: input.task,
      durationSec: plan.durationSec,
      language: merged.language,
      words: merged.words,
      chunks: progress.chunks,
      summary,
      files: merged.files,
      sourceRef: input.ref ?? fetchedSourceRef(id),
      hasVideo: plan.hasVideo,
      ...(costUsd !== undefined ? { costUsd } : {}),
    };
  } catch (err) {
    stage(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}

/** The Web UI's view of the run: its stage and a row per chunk. */
function publishDetails(progress: LongVideoProgress): void {
  const done = progress.chunks.filter((c) => c.status === 'succeeded').length;
  publishTable(
    `**Stage:** ${progress.stage}${progress.chunks.length ? ` · chunks ${done}/${progress.chunks.length} done` : ''}`,
    ['chunk', 'from–to', 'state', 'error'],
    progress.chunks.map((c) => [
      c.index,
      `${formatClock(c.startSec)}–${formatClock(c.endSec)}`,
      c.status,
      c.error ?? '',
    ]),
  );
}
