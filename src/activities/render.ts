import { Context } from '@temporalio/activity';
import path from 'node:path';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { VideoFacts } from '../domain/result.js';
import type { CaptionStyle, Language, TransitionType } from '../domain/shortRequest.js';
import type { Timeline } from '../domain/timeline.js';
import type { WordTiming } from '../domain/words.js';
import { buildAss, sceneCues, wordsFromJson } from '../media/captions.js';
import { FfmpegError, type MediaTools, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { buildRenderCommand } from '../media/renderGraph.js';
import { verifyVideo } from '../media/verify.js';
import { type Storage, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { readPlan } from './plan.js';

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
  /** `wordsRef`: the scene's `NarrationWords` JSON (times relative to its clip), when there is one. */
  scenes: { imageRef: string; narrationRef: string; wordsRef?: string }[];
  /**
   * The finished soundtrack (mixSoundtrack: narration, ducked music, −14 LUFS), encoded as it is.
   * Absent in runs started before soundtracks existed: the render then mixes the narration itself.
   */
  soundtrackRef?: string;
}

export type RenderedShort = VideoFacts;

export interface RenderDeps {
  storage: Storage;
  tools: MediaTools;
  preset: string;
}

/** Heartbeat at least this often even when ffmpeg is quiet, so a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 5_000;

export function createRenderActivities({ storage, tools, preset }: RenderDeps) {
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
      if (err instanceof FfmpegError && err.aborted) throw ctx.cancellationSignal.reason ?? err;
      const cause = err instanceof FfmpegError && err.stderrTail ? new Error(`${err.message}\n${err.stderrTail}`) : err;
      throw activityFailure(cause, ErrorTypes.RenderFailed, videoRef, 'Rendering failed');
    }
  }

  async function render(input: RenderShortInput, videoRef: string, ctx: Context): Promise<RenderedShort> {
    if (await storage.exists(videoRef)) {
      const existing = await describeVideo(videoRef);
      if (Math.abs(existing.durationSec - input.timeline.totalSec) < 0.5) return existing;
    }
    // With a soundtrack the narration clips are already in it; only what the render reads must be there.
    const sound = input.soundtrackRef ? [input.soundtrackRef] : input.scenes.map((s) => s.narrationRef);
    for (const ref of [...input.scenes.map((s) => s.imageRef), ...sound]) {
      if (!(await storage.exists(ref)))
        throw failure(ErrorTypes.AssetMissing, `Scene asset ${ref} is missing from storage.`);
    }

    const videoPath = storage.localPath(videoRef);
    const workDir = path.dirname(videoPath);
    let captionsFile: string | undefined;
    if (input.captions) {
      const captionsRef = runKeys.captions(input.runKey);
      await storage.write(captionsRef, await captionsFor(input));
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
      scenes: input.scenes.map((s, i) => ({
        imagePath: storage.localPath(s.imageRef),
        narrationPath: input.soundtrackRef ? undefined : storage.localPath(s.narrationRef),
        timing: input.timeline.scenes[i]!,
      })),
    });

    let percent = 0;
    ctx.heartbeat({ percent });
    // Staging first removes partial files a killed worker left of this video.
    await storage.put(
      videoRef,
      async (output) => {
        const keepAlive = setInterval(() => ctx.heartbeat({ percent }), HEARTBEAT_EVERY_MS);
        try {
          await runFfmpeg(tools, {
            ...command,
            output,
            cwd: workDir,
            expectedDurationSec: input.timeline.totalSec,
            signal: ctx.cancellationSignal,
            onProgress: (fraction) => {
              percent = Math.floor(fraction * 100);
              ctx.heartbeat({ percent });
            },
          });
        } finally {
          clearInterval(keepAlive);
        }
      },
      verifyVideo(tools, { durationSec: input.timeline.totalSec, fps: input.fps }),
    );
    ctx.heartbeat({ percent: 100 });
    return describeVideo(videoRef);
  }

  async function captionsFor(input: RenderShortInput): Promise<string> {
    const plan = await readPlan(storage, input.planRef);
    const layout = { width: input.width, height: input.height, language: input.language };
    const style = input.captionStyle ?? 'pages';
    const scenes = await Promise.all(
      input.timeline.scenes.map(async (timing, i) =>
        sceneCues(plan.scenes[i]?.narration ?? '', timing.narrationStartSec, timing.narrationDurationSec, layout, {
          style,
          words: await readWords(input.scenes[i]?.wordsRef),
        }),
      ),
    );
    return buildAss(scenes.flat(), layout);
  }

  /**
   * A scene's word timings. They only refine the captions: a missing or unreadable file means
   * captions timed by text length, not a failed render.
   */
  async function readWords(wordsRef: string | undefined): Promise<WordTiming[] | undefined> {
    if (!wordsRef || !(await storage.exists(wordsRef))) return undefined;
    try {
      return wordsFromJson(JSON.parse((await storage.read(wordsRef)).toString('utf8')));
    } catch {
      return undefined;
    }
  }

  async function describeVideo(videoRef: string): Promise<RenderedShort> {
    const videoPath = storage.localPath(videoRef);
    const probe = await probeMedia(tools, videoPath);
    const video = probe.streams.find((s) => s.type === 'video');
    if (!video?.width || !video.height)
      throw failure(ErrorTypes.RenderFailed, `The rendered file ${videoRef} has no video stream.`);
    return {
      videoRef,
      videoPath,
      durationSec: probe.durationSec,
      width: video.width,
      height: video.height,
      fps: video.fps ?? 0,
      sizeBytes: probe.sizeBytes,
    };
  }

  return { renderShort };
}
