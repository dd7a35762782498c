import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PipelineActivities, RenderQueueActivities } from '../activities/index.js';
import { ErrorTypes } from '../domain/errors.js';
import {
  type HighlightsWorkflowInput,
  type HighlightsProgress,
  type HighlightsResult,
  type MadeHighlight,
  type Moment,
  highlightsInputSchema,
  momentsRefOf,
} from '../domain/highlights.js';
import { renderQueueFor } from '../domain/taskQueues.js';
import { type Timeline, formatClock } from '../domain/timeline.js';
import { getHighlightsProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { rootMessage } from './sceneSteps.js';
import { stepRetry } from './shortSteps.js';
import { publishStage } from './stageAttribute.js';
import { publishTable } from './webUiDetails.js';

const retry = { ...stepRetry, maximumAttempts: 3 };
/** How long a short's hook line stays on screen at the top. */
const HOOK_SECONDS = 3;
const { pickMoments, cutMoment, mixSoundtrack } = proxyActivities<PipelineActivities>({
  // An LLM reading an hour of transcript, or a minute of video re-encoded: minutes at worst.
  startToCloseTimeout: '15 minutes',
  // They heartbeat every few seconds: a dead worker's moment moves on quickly.
  heartbeatTimeout: '20 seconds',
  retry,
});

/**
 * Shorts cut from a long video (POST /v1/videos/:id/shorts): the planner picks the best
 * self-contained moments of its transcript (the offline picker when the LLM cannot), then every
 * moment at once is cut from the source and finished as a one-scene short by the ordinary
 * soundtrack (−14 LUFS) and render (9:16 cover fit, captions on the spoken words) activities.
 * A moment that fails for good is marked failed; the others are still made.
 */
export async function videoHighlights(rawInput: HighlightsWorkflowInput): Promise<HighlightsResult> {
  const input = parseWorkflowInput('videoHighlights', highlightsInputSchema, rawInput);
  const progress: HighlightsProgress = { stage: 'picking', shorts: [] };
  setHandler(getHighlightsProgressQuery, () => ({ ...progress, shorts: progress.shorts.map((s) => ({ ...s })) }));
  const id = workflowInfo().workflowId;
  const { renderShort } = proxyActivities<RenderQueueActivities>({
    taskQueue: renderQueueFor(workflowInfo().taskQueue),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds',
    retry,
  });
  const changed = () => publishDetails(progress);
  const stage = (s: HighlightsProgress['stage']) => {
    progress.stage = s;
    publishStage(s);
    changed();
  };
  try {
    stage('picking');
    const pickInput = {
      runKey: id,
      transcriptRef: input.transcriptRef,
      durationSec: input.durationSec,
      count: input.count,
      lengthSec: input.lengthSec,
    };
    const picked = await pickMoments(pickInput).catch((err: unknown) => {
      if (isCancellation(err) || (err as { cause?: { type?: string } }).cause?.type === ErrorTypes.InvalidInput) {
        throw err;
      }
      const fallbackReason = rootMessage(err);
      log.warn('The LLM could not pick the moments; the offline picker picks them instead', { fallbackReason });
      return pickMoments({ ...pickInput, fallbackReason });
    });
    progress.shorts = picked.moments.map((m) => ({
      index: m.index,
      startSec: m.startSec,
      endSec: m.endSec,
      title: m.title,
      status: 'pending',
    }));
    log.info(`${id}: ${picked.moments.length} moments picked by ${picked.picker}`);

    stage('making');
    const settled = await Promise.allSettled(
      picked.moments.map(async (moment): Promise<MadeHighlight> => {
        const state = progress.shorts.find((s) => s.index === moment.index)!;
        const set = (status: typeof state.status) => {
          state.status = status;
          changed();
        };
        try {
          const shortKey = `${id}-short-${moment.index}`;
          const timeline = momentTimeline(moment, input.fps);
          set('cutting');
          const cut = await cutMoment({
            shortKey,
            sourceRef: input.sourceRef,
            transcriptRef: input.transcriptRef,
            moment,
            durationSec: timeline.totalSec,
            language: input.language,
            picker: picked.picker,
            reframe: input.reframe,
          });
          set('mixing');
          const sound = await mixSoundtrack({ runKey: shortKey, timeline, narrationRefs: [cut.narrationRef] });
          set('rendering');
          const video = await renderShort({
            runKey: shortKey,
            planRef: cut.planRef,
            language: input.language,
            width: input.width,
            height: input.height,
            fps: input.fps,
            transition: { type: 'cut', duration: 0 },
            captions: input.captionStyle !== 'none',
            ...(input.captionStyle !== 'none' ? { captionStyle: input.captionStyle } : {}),
            timeline,
            scenes: [{ clipRef: cut.clipRef, narrationRef: cut.narrationRef, wordsRef: cut.wordsRef, fit: 'hold' }],
            soundtrackRef: sound.soundtrackRef,
            exactFrames: true,
            title: { text: moment.hook, untilSec: Math.min(HOOK_SECONDS, timeline.totalSec) },
          });
          set('succeeded');
          return {
            ...moment,
            status: 'succeeded',
            videoRef: video.videoRef,
            durationSec: video.durationSec,
            width: video.width,
            height: video.height,
            fps: video.fps,
            sizeBytes: video.sizeBytes,
            integratedLufs: sound.integratedLufs,
            framing: cut.framing.mode,
          };
        } catch (err) {
          if (isCancellation(err)) throw err;
          state.error = rootMessage(err);
          set('failed');
          return { ...moment, status: 'failed', error: state.error };
        }
      }),
    );
    const cancelled = settled.find((s) => s.status === 'rejected');
    if (cancelled?.status === 'rejected' || CancellationScope.current().consideredCancelled) {
      throw cancelled?.status === 'rejected' ? cancelled.reason : new Error('cancelled');
    }
    const shorts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const made = shorts.filter((s) => s.status === 'succeeded').length;
    const summary = `${shorts.length} shorts: ${made} made, ${shorts.length - made} failed`;
    log.info(`${id}: ${summary}`);
    if (made === 0) {
      throw ApplicationFailure.create({
        type: ErrorTypes.RenderFailed,
        nonRetryable: true,
        message: `${summary}; short 1 failed: ${shorts[0]?.error ?? 'unknown'}`,
      });
    }
    stage('completed');
    return {
      videoId: input.videoId,
      picker: picked.picker,
      ...(picked.fallbackReason ? { fallbackReason: picked.fallbackReason } : {}),
      summary,
      shorts,
      momentsRef: momentsRefOf(id),
    };
  } catch (err) {
    stage(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}

/**
 * A moment as a one-scene timeline: its sound starts with the picture (they were cut at the same
 * instant) and lasts exactly as long, in whole frames, with no lead, tail or transition.
 */
function momentTimeline(moment: Moment, fps: number): Timeline {
  const seconds = Math.max(1, Math.round((moment.endSec - moment.startSec) * fps)) / fps;
  const durationSec = Math.round(seconds * 1000) / 1000;
  return {
    scenes: [{ index: 0, startSec: 0, durationSec, narrationStartSec: 0, narrationDurationSec: durationSec }],
    totalSec: durationSec,
    transitionSec: 0,
  };
}

/** The Web UI's view of the run: its stage and a row per short. */
function publishDetails(progress: HighlightsProgress): void {
  const done = progress.shorts.filter((s) => s.status === 'succeeded').length;
  publishTable(
    `**Stage:** ${progress.stage}${progress.shorts.length ? ` · shorts ${done}/${progress.shorts.length} made` : ''}`,
    ['short', 'from–to', 'title', 'state', 'error'],
    progress.shorts.map((s) => [
      s.index,
      `${formatClock(s.startSec)}–${formatClock(s.endSec)}`,
      s.title,
      s.status,
      s.error ?? '',
    ]),
  );
}
