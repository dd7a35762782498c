import { Context } from '@temporalio/activity';
import path from 'node:path';
import type { VideoFacts } from '../domain/result.js';
import type { CaptionStyle, Language, TransitionType } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { type ClipFit, buildRenderCommand } from '../media/renderGraph.js';
import { verifyVideo } from '../media/verify.js';
import { type Storage, runKeys } from '../storage/index.js';
import { createSegmentActivities } from './renderSegments.js';
import { renderSupport } from './renderSupport.js';

export type { ClipFit } from '../media/renderGraph.js';
export type { JoinSegmentsInput, RenderSegmentInput, RenderedSegment } from './renderSegments.js';

/** One scene of a render: its still, or a clip shown instead, and its narration. */
export interface RenderShortScene {
  /** The scene's still; a scene with a clip may have none (text-to-video). */
  imageRef?: string;
  narrationRef: string;
  /** The scene's `NarrationWords` JSON (times relative to its clip), when there is one. */
  wordsRef?: string;
  /**
   * A stored MP4 (a video model's: H.264, any size and rate, maybe with audio) shown instead of the
   * still: cover-fitted, at the short's rate, its audio dropped, trimmed to the scene's length.
   */
  clipRef?: string;
  /** How a clip shorter than its scene fills it (default `hold`): see ClipFit. */
  fit?: ClipFit;
}

export interface RenderShortInput {
  runKey: string;
  planRef: string;
  language: Language;
  width: number;
  height: number;
  fps: number;
  transition: { type: TransitionType; duration: number };
  captions: boolean;
  /**
   * How captions follow the voice (with `captions: true`): `pages` (absent, as in runs started before
   * it existed) changes pages on the spoken word; `karaoke` also highlights each word as it is said.
   * Scenes without word timings are timed by text length, as plain pages.
   */
  captionStyle?: CaptionStyle;
  timeline: Timeline;
  scenes: RenderShortScene[];
  /**
   * The finished soundtrack (mixSoundtrack: narration, ducked music, −14 LUFS), encoded as it is.
   * Absent in runs started before soundtracks existed: the render then mixes the narration itself.
   */
  soundtrackRef?: string;
  /**
   * Every frame on the timeline's grid (no frame shown twice at the end of a transition). Absent in
   * runs started before it existed, whose all-stills command stays as it was; a short with a clip
   * always renders exactly. The segmented render always does.
   */
  exactFrames?: boolean;
  /** A line shown at the top from the start, with the captions (a highlight's hook). */
  title?: { text: string; untilSec: number };
}

export type RenderedShort = VideoFacts;

export interface RenderDeps {
  storage: Storage;
  tools: MediaTools;
  preset: string;
}

export function createRenderActivities(deps: RenderDeps) {
  const { storage, tools, preset } = deps;
  const support = renderSupport({ storage, tools });

  /**
   * Renders the short in one ffmpeg pass and heartbeats its progress. Idempotent: a finished video
   * from an earlier attempt (the worker died after rendering) is probed and returned as is.
   */
  async function renderShort(input: RenderShortInput): Promise<RenderedShort> {
    const ctx = Context.current();
    const videoRef = runKeys.video(input.runKey);
    try {
      return await render(input, videoRef, ctx);
    } catch (err) {
      throw support.renderFailure(err, ctx, videoRef);
    }
  }

  async function render(input: RenderShortInput, videoRef: string, ctx: Context): Promise<RenderedShort> {
    if (await storage.exists(videoRef)) {
      const existing = await support.describeVideo(videoRef);
      if (Math.abs(existing.durationSec - input.timeline.totalSec) < 0.5) return existing;
    }
    await support.requireAssets(support.soundRefs(input));
    const sources = await support.sceneSources(input);

    const videoPath = storage.localPath(videoRef);
    const workDir = path.dirname(videoPath);
    let captionsFile: string | undefined;
    if (input.captions) {
      const captionsRef = runKeys.captions(input.runKey);
      await storage.write(captionsRef, await support.captionsFor(input));
      captionsFile = path.relative(workDir, storage.localPath(captionsRef));
    }

    const command = buildRenderCommand({
      width: input.width,
      height: input.height,
      fps: input.fps,
      transition: input.transition,
      totalSec: input.timeline.totalSec,
      captionsFile,
      soundtrackPath: input.soundtrackRef ? storage.localPath(input.soundtrackRef) : undefined,
      preset,
      ...(input.exactFrames ? { exactFrames: true } : {}),
      scenes: input.scenes.map((s, i) => {
        const { imagePath, clip } = sources.get(i)!;
        return {
          ...(imagePath ? { imagePath } : {}),
          ...(clip ? { clip } : {}),
          narrationPath: input.soundtrackRef ? undefined : storage.localPath(s.narrationRef),
          timing: input.timeline.scenes[i]!,
        };
      }),
    });

    // Staging first removes partial files a killed worker left of this video.
    await storage.put(
      videoRef,
      (output) =>
        support.encode(ctx, { ...command, output, cwd: workDir, expectedDurationSec: input.timeline.totalSec }),
      verifyVideo(tools, { durationSec: input.timeline.totalSec, fps: input.fps }),
    );
    ctx.heartbeat({ percent: 100 });
    return support.describeVideo(videoRef);
  }

  return { renderShort, ...createSegmentActivities(deps) };
}
