/**
 * The file a long video was read from, found by its run (which the caller must be able to see):
 * what a new video `"from"` an earlier one and the shorts cut from one both start from, so a big
 * file is sent once however many tasks run on it.
 */
import { fetchedSourceRef } from '../domain/longVideo.js';
import { type VideoState, videoKind } from './kinds/video.js';
import type { RunService } from './service.js';

/** `known`: the video's state when the caller has it already (one Temporal round trip less). */
export async function sourceOfVideo(runs: RunService, videoId: string, known?: VideoState): Promise<string> {
  const video = known ?? (await runs.get(videoKind, videoId, 'if-running'));
  if (video.result?.sourceRef) return video.result.sourceRef;
  const input = (await runs.inputOf(videoKind, videoId)) as { ref?: string };
  return input.ref ?? fetchedSourceRef(videoId);
}
