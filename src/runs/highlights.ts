/**
 * Shorts from a long video, checked and resolved before anything starts: the video must be one
 * the caller can see, transcribed to the end, with a picture to cut. The API
 * (POST /v1/videos/:id/shorts) and the CLI (`reelflow video shorts`) refuse the same things with
 * the same words.
 */
import { type HighlightsInput, type HighlightsRequest } from '../domain/highlights.js';
import { LANGUAGES, type Language, captionStyleOf, dimensionsFor } from '../domain/shortRequest.js';
import { RunNotRevisableError } from './errors.js';
import { highlightsKind } from './kinds/highlights.js';
import { videoKind } from './kinds/video.js';
import type { RunService, StartedRun } from './service.js';
import { sourceOfVideo } from './videoSource.js';

export async function prepareHighlights(
  runs: RunService,
  videoId: string,
  request: HighlightsRequest,
): Promise<HighlightsInput> {
  const video = await runs.get(videoKind, videoId, 'if-running');
  const result = video.result;
  if (video.status !== 'completed' || !result) {
    const where = video.progress ? ` (${videoKind.describeProgress(video.progress)})` : '';
    throw new RunNotRevisableError(
      'not_completed',
      videoId,
      video.status,
      `Video "${videoId}" is ${video.status}${where}; shorts can be cut once it has completed.`,
    );
  }
  if (result.task !== 'transcribe') {
    throw new RunNotRevisableError(
      'no_transcript',
      videoId,
      video.status,
      `Video "${videoId}" was asked for its ${result.task}, not transcribed; shorts are picked from a transcript: send the video with "task": "transcribe".`,
    );
  }
  if (result.hasVideo === false) {
    throw new RunNotRevisableError(
      'no_picture',
      videoId,
      video.status,
      `Video "${videoId}" is a recording without a picture; shorts are cut from a video.`,
    );
  }
  const { width, height } = dimensionsFor('9:16');
  return {
    videoId,
    transcriptRef: result.files.json,
    sourceRef: await sourceOfVideo(runs, videoId, video),
    durationSec: result.durationSec,
    // Caption line breaking and fonts follow the script; other Latin and Cyrillic languages read well as `en`.
    language: (LANGUAGES as readonly string[]).includes(result.language) ? (result.language as Language) : 'en',
    count: request.count,
    lengthSec: request.lengthSec,
    captionStyle: captionStyleOf(request.captions),
    width,
    height,
    fps: request.fps,
    reframe: request.reframe,
  };
}

export async function startHighlights(
  runs: RunService,
  videoId: string,
  request: HighlightsRequest,
  options: { taskQueue?: string; idempotencyKey?: string } = {},
): Promise<StartedRun> {
  return runs.startInput(highlightsKind, await prepareHighlights(runs, videoId, request), options);
}
