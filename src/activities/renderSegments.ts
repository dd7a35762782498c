/**
 * The segmented render, on the render queue beside renderShort: `renderSegment` encodes one piece of
 * the short (a scene's body or a transition, see src/media/render/segments.ts) on any worker, and
 * `joinSegments` joins them with a stream copy and encodes the soundtrack once over the whole short.
 *
 * A segment is stored under a key that hashes everything that decides its pixels: the exact ffmpeg
 * graph (timing, size, fps, motion, fit, transition, caption clock), the x264 settings, the content
 * of every image or clip it reads and the captions it burns. A retried or repeated segment is found
 * by that key and reused, so a re-render after one scene changes encodes only that scene's body and
 * its two transitions. Also here: what renderShort and the segments share (sources, captions, facts).
 */
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { ErrorTypes, failure } from '../domain/errors.js';
import type { WordTiming } from '../domain/words.js';
import { buildAss, sceneCues, wordsFromJson } from '../media/captions.js';
import { FfmpegError, type FfmpegJob, type MediaTools, countPackets, probeMedia, runFfmpeg } from '../media/ffmpeg.js';
import { segmentCaptions } from '../media/render/captionClock.js';
import { formatComment, videoParams } from '../media/render/probe.js';
import type { RenderClip } from '../media/render/scenes.js';
import { buildJoinCommand, buildSegmentCommand, concatList, type SegmentSource } from '../media/render/segmentGraph.js';
import { segmentLayouts, sceneFrameCount } from '../media/render/segments.js';
import { verifyJoinedVideo, verifySegment } from '../media/verify.js';
import { IncompleteAssetError, type Storage, runKeys } from '../storage/index.js';
import { activityFailure } from './failures.js';
import { readPlan } from './plan.js';
import type { RenderDeps, RenderShortInput, RenderedShort } from './render.js';

export interface RenderSegmentInput extends RenderShortInput {
  /** Which segment, in playing order: 0 to segmentCount(input) − 1 (src/media/render/segments.ts). */
  segment: number;
}

export interface RenderedSegment {
  segmentRef: string;
  frames: number;
  durationSec: number;
  /** Its first frame on the short's timeline. */
  startFrame: number;
  /** The hash its file is named by. */
  key: string;
  /** Found finished under its key (an earlier render, a retry): nothing was encoded. */
  reused: boolean;
}

export interface JoinSegmentsInput extends RenderShortInput {
  /** renderSegment's results, one per segment, in order. */
  segments: Pick<RenderedSegment, 'segmentRef' | 'frames'>[];
  /** Where the short goes; default runs/<runKey>/short.mp4. */
  videoRef?: string;
}

/** Bump when a change to the segment graphs changes pixels without changing the graph text. */
const SEGMENT_FORMAT = 1;
/** Heartbeat at least this often even when ffmpeg is quiet, so a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 5_000;

export const segmentsDir = (runKey: string) => `runs/${runKey}/segments`;

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
    if (err instanceof FfmpegError && err.aborted) return ctx.cancellationSignal.reason ?? err;
    const cause = err instanceof FfmpegError && err.stderrTail ? new Error(`${err.message}\n${err.stderrTail}`) : err;
    return activityFailure(cause, ErrorTypes.RenderFailed, key, 'Rendering failed');
  }

  return { requireAssets, soundRefs, sceneSources, captionsFor, describeVideo, encode, renderFailure };
}

export function createSegmentActivities({ storage, tools, preset }: RenderDeps) {
  const support = renderSupport({ storage, tools });

  /**
   * Encodes one segment of the short, or finds it already encoded under its key. Idempotent, and
   * independent of every other segment: any render worker can take any segment.
   */
  async function renderSegment(input: RenderSegmentInput): Promise<RenderedSegment> {
    const ctx = Context.current();
    const dir = segmentsDir(input.runKey);
    try {
      return await encodeSegment(input, dir, ctx);
    } catch (err) {
      throw support.renderFailure(err, ctx, dir);
    }
  }

  async function encodeSegment(input: RenderSegmentInput, dir: string, ctx: Context): Promise<RenderedSegment> {
    const layouts = segmentLayouts(input);
    const segment = layouts[input.segment];
    if (!Number.isInteger(input.segment) || !segment)
      throw failure(
        ErrorTypes.InvalidInput,
        `The short has ${layouts.length} segments; there is no segment ${input.segment}.`,
      );
    const scenes = [...new Set(segment.parts.map((p) => p.scene))];
    const files = await support.sceneSources(input, scenes);
    const sources: Record<number, SegmentSource> = {};
    const contentByPath = new Map<string, string>();
    for (const [i, file] of files) {
      sources[i] = {
        imagePath: file.imagePath,
        clip: file.clip,
        frames: sceneFrameCount(input.timeline.scenes[i]!, input.fps),
      };
      contentByPath.set(storage.localPath(file.ref), await sha256File(storage.localPath(file.ref)));
    }

    const workDir = storage.localPath(dir);
    let captions: { file: string; clockFilters: string[] } | undefined;
    let captionsHash = '';
    if (input.captions) {
      const burned = segmentCaptions(await support.captionsFor(input), layouts, input.segment, input.fps);
      if (burned) {
        captionsHash = sha256(burned.script);
        const captionsRef = `${dir}/captions-${captionsHash.slice(0, 16)}.ass`;
        if (!(await storage.exists(captionsRef))) await storage.write(captionsRef, burned.script);
        captions = { file: path.basename(captionsRef), clockFilters: burned.clockFilters };
      }
    }

    const command = buildSegmentCommand({
      width: input.width,
      height: input.height,
      fps: input.fps,
      preset,
      transition: input.transition,
      segment,
      sources,
      captions,
    });
    const key = sha256(
      JSON.stringify({
        format: SEGMENT_FORMAT,
        graph: command.filterGraph,
        inputs: command.inputs.map((i) => ({ options: i.options ?? [], content: contentByPath.get(i.path) })),
        output: command.outputOptions,
        captions: captionsHash,
      }),
    ).slice(0, 32);
    const segmentRef = `${dir}/${key}.mp4`;
    const result = {
      segmentRef,
      frames: segment.frames,
      durationSec: segment.frames / input.fps,
      startFrame: segment.startFrame,
      key,
    };
    const verify = verifySegment(tools, { frames: segment.frames, fps: input.fps });
    if (await storage.exists(segmentRef)) {
      try {
        await verify(storage.localPath(segmentRef));
        return { ...result, reused: true };
      } catch (err) {
        if (!(err instanceof IncompleteAssetError)) throw err;
        // A damaged file under the key: encode it again, over it.
      }
    }
    await storage.put(
      segmentRef,
      (output) => support.encode(ctx, { ...command, output, cwd: workDir, expectedDurationSec: result.durationSec }),
      verify,
    );
    ctx.heartbeat({ percent: 100 });
    return { ...result, reused: false };
  }

  /**
   * Joins the segments into the short: the video copied as it is (concat demuxer, `-c:v copy`), the
   * soundtrack encoded to AAC once over the whole short. Every segment must have the same encoder
   * parameters (one SPS/PPS), and the result is verified to have every frame of the timeline, one
   * frame apart. Idempotent: a finished join of the same segments and sound is returned as it is.
   */
  async function joinSegments(input: JoinSegmentsInput): Promise<RenderedShort> {
    const ctx = Context.current();
    const videoRef = input.videoRef ?? runKeys.video(input.runKey);
    try {
      return await join(input, videoRef, ctx);
    } catch (err) {
      throw support.renderFailure(err, ctx, videoRef);
    }
  }

  async function join(input: JoinSegmentsInput, videoRef: string, ctx: Context): Promise<RenderedShort> {
    const layouts = segmentLayouts(input);
    if (input.segments.length !== layouts.length)
      throw failure(
        ErrorTypes.InvalidInput,
        `The short has ${layouts.length} segments; the join got ${input.segments.length}.`,
      );
    input.segments.forEach((s, i) => {
      if (s.frames !== layouts[i]!.frames)
        throw failure(
          ErrorTypes.InvalidInput,
          `Segment ${i} has ${s.frames} frames; the timeline gives it ${layouts[i]!.frames}.`,
        );
    });
    const sound = support.soundRefs(input);
    await support.requireAssets([...input.segments.map((s) => s.segmentRef), ...sound]);

    const params = await Promise.all(input.segments.map((s) => videoParams(tools, storage.localPath(s.segmentRef))));
    const first = JSON.stringify(params[0]);
    const odd = params.findIndex((p) => JSON.stringify(p) !== first);
    if (odd >= 0) {
      throw failure(
        ErrorTypes.RenderFailed,
        `Segment ${odd} was encoded with other parameters than segment 0 (${JSON.stringify(params[odd])} vs ${first}); ` +
          'a stream copy cannot join them. Render it again on a worker with the same ffmpeg.',
      );
    }

    const frames = layouts.reduce((sum, s) => sum + s.frames, 0);
    const list = concatList(
      input.segments.map((s) => ({ path: storage.localPath(s.segmentRef), frames: s.frames })),
      input.fps,
    );
    const soundHashes = await Promise.all(sound.map((ref) => sha256File(storage.localPath(ref))));
    const joinKey = sha256(JSON.stringify({ list, sound: soundHashes, totalSec: input.timeline.totalSec }));
    const comment = `reelflow-segments:${joinKey}`;
    if ((await storage.exists(videoRef)) && (await formatComment(tools, storage.localPath(videoRef))) === comment)
      return support.describeVideo(videoRef);

    const listRef = `${segmentsDir(input.runKey)}/join-${joinKey.slice(0, 16)}.txt`;
    await storage.write(listRef, list);
    const command = buildJoinCommand({
      listPath: storage.localPath(listRef),
      totalSec: input.timeline.totalSec,
      comment,
      ...(input.soundtrackRef
        ? { soundtrackPath: storage.localPath(input.soundtrackRef) }
        : {
            narrations: input.scenes.map((s, i) => ({
              path: storage.localPath(s.narrationRef),
              startSec: input.timeline.scenes[i]!.narrationStartSec,
            })),
          }),
    });
    await storage.put(
      videoRef,
      (output) => support.encode(ctx, { ...command, output, expectedDurationSec: input.timeline.totalSec }),
      verifyJoinedVideo(tools, { durationSec: input.timeline.totalSec, fps: input.fps, frames }),
    );
    ctx.heartbeat({ percent: 100 });
    return support.describeVideo(videoRef);
  }

  return { renderSegment, joinSegments };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
