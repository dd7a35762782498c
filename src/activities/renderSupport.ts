/**
 * What renderShort and the segmented render share: the scenes' sources (a still, or a clip and its
 * probed length), the assets they need, the captions, the facts of a finished video, the encode
 * with its heartbeats and the typed failure of a render.
 */
import type { Context } from '@temporalio/activity';
import path from 'node:path';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { WordTiming } from '../domain/words.js';
import { buildAss, sceneCues, wordsFromJson } from '../media/captions.js';
import { type FfmpegJob, type MediaTools, countPackets, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import type { RenderClip } from '../media/render/scenes.js';
import type { Storage } from '../storage/index.js';
import { ffmpegFailure } from './failures.js';
import { readPlan } from './plan.js';
import type { RenderShortInput, RenderedShort } from './render.js';

/** Heartbeat at least this often even when ffmpeg is quiet, so a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 5_000;

/** A scene as the renders read it: its still's path, or its clip's path and probed length. */
export interface SceneSourceFile {
  /** The stored file that decides the scene's pixels (clip or image). */
  ref: string;
  /** The still's path; absent when the scene shows a clip. */
  imagePath?: string;
  clip?: RenderClip;
}

/** What renderShort and the segmented render share. */
export function renderSupport({ storage, tools }: { storage: Storage; tools: MediaTools }) {
  async function requireAssets(refs: string[]): Promise<void> {
    for (const ref of refs) {
      if (!(await storage.exists(ref)))
        throw failure(ErrorTypes.AssetMissing, `Scene asset ${ref} is missing from storage.`);
    }
  }

  /** With a soundtrack the narration clips are already in it; only what the render reads must be there. */
  function soundRefs(input: RenderShortInput): string[] {
    return input.soundtrackRef ? [input.soundtrackRef] : input.scenes.map((s) => s.narrationRef);
  }

  /** The sources of `scenes` (all by default), after checking that each is in storage. */
  async function sceneSources(input: RenderShortInput, scenes?: number[]): Promise<Map<number, SceneSourceFile>> {
    const wanted = scenes ?? input.scenes.map((_, i) => i);
    const out = new Map<number, SceneSourceFile>();
    for (const i of wanted) {
      const scene = input.scenes[i];
      if (!scene) throw failure(ErrorTypes.InvalidInput, `The render has no scene ${i + 1}.`);
      const ref = scene.clipRef ?? scene.imageRef;
      if (!ref) throw failure(ErrorTypes.InvalidInput, `Scene ${i + 1} of the render has neither a still nor a clip.`);
      await requireAssets([ref]);
      if (!scene.clipRef) {
        out.set(i, { ref, imagePath: storage.localPath(ref) });
        continue;
      }
      const clipPath = storage.localPath(scene.clipRef);
      out.set(i, { ref, clip: { path: clipPath, fit: scene.fit ?? 'hold', durationSec: await clipSeconds(clipPath) } });
    }
    return out;
  }

  /** The clip's video length: its stream's own duration (audio may be longer or shorter). */
  async function clipSeconds(file: string): Promise<number> {
    const [probe, packets] = await Promise.all([probeMedia(tools, file), countPackets(tools, file)]);
    if (!probe.streams.some((s) => s.type === 'video'))
      throw failure(ErrorTypes.InvalidInput, `The clip ${path.basename(file)} has no video stream.`);
    const video = packets.streams.find((s) => s.type === 'video');
    const seconds = video?.durationSec || probe.durationSec;
    if (!(seconds > 0)) throw failure(ErrorTypes.InvalidInput, `The clip ${path.basename(file)} has no length.`);
    return seconds;
  }

  /** The whole short's captions as one ASS script. */
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
    return buildAss(scenes.flat(), layout, input.title);
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

  /** Runs one ffmpeg job, heartbeating {percent} on its progress and at least every 5 s. */
  async function encode(ctx: Context, job: Omit<FfmpegJob, 'signal' | 'onProgress'>): Promise<void> {
    let percent = 0;
    ctx.heartbeat({ percent });
    const keepAlive = setInterval(() => ctx.heartbeat({ percent }), HEARTBEAT_EVERY_MS);
    try {
      await runFfmpeg(tools, {
        ...job,
        signal: ctx.cancellationSignal,
        onProgress: (fraction) => {
          percent = Math.floor(fraction * 100);
          ctx.heartbeat({ percent });
        },
      });
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** A typed failure for what went wrong while rendering `key`; a cancellation stays one. */
  function renderFailure(err: unknown, ctx: Context, key: string): unknown {
    return ffmpegFailure(err, ctx, ErrorTypes.RenderFailed, key, 'Rendering failed');
  }

  return { requireAssets, soundRefs, sceneSources, captionsFor, describeVideo, encode, renderFailure };
}
