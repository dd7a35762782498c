/**
 * The segmented render, on the render queue beside renderShort: `renderSegment` encodes one piece of
 * the short (a scene's body or a transition, see src/media/render/segments.ts) on any worker, and
 * `joinSegments` joins them with a stream copy and encodes the soundtrack once over the whole short.
 *
 * A segment is stored under a key that hashes everything that decides its pixels: the exact ffmpeg
 * graph (timing, size, fps, motion, fit, transition, caption clock), the x264 settings, the content
 * of every image or clip it reads and the captions it burns. A retried or repeated segment is found
 * by that key and reused, so a re-render after one scene changes encodes only that scene's body and
 * its two transitions. What renderShort and the segments share is in renderSupport.ts.
 */
import { Context } from '@temporalio/activity';
import path from 'node:path';
import { ErrorTypes, failure } from '../domain/errors.js';
import { segmentCaptions } from '../media/render/captionClock.js';
import { formatComment, videoParams } from '../media/render/probe.js';
import { buildJoinCommand, buildSegmentCommand, concatList, type SegmentSource } from '../media/render/segmentGraph.js';
import { segmentLayouts, sceneFrameCount } from '../media/render/segments.js';
import { verifyJoinedVideo, verifySegment } from '../media/verify.js';
import { IncompleteAssetError, runKeys } from '../storage/index.js';
import { sha256, sha256File } from '../util/sha256.js';
import type { RenderDeps, RenderShortInput, RenderedShort } from './render.js';
import { renderSupport } from './renderSupport.js';

export { renderSupport, type SceneSourceFile } from './renderSupport.js';

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

/**
 * Where segments live: one content-addressed folder for every run, because a segment's key hashes
 * everything that decides its pixels. A revision of a short (and a retry, and the same short made
 * again) so finds the segments its parent encoded and encodes only the ones that changed.
 */
export const SEGMENTS_DIR = 'cache/segments';
/** A run's own join lists. */
export const joinListsDir = (runKey: string) => `runs/${runKey}/segments`;

export function createSegmentActivities({ storage, tools, preset }: RenderDeps) {
  const support = renderSupport({ storage, tools });

  /**
   * Encodes one segment of the short, or finds it already encoded under its key. Idempotent, and
   * independent of every other segment: any render worker can take any segment.
   */
  async function renderSegment(input: RenderSegmentInput): Promise<RenderedSegment> {
    const ctx = Context.current();
    const dir = SEGMENTS_DIR;
    try {
      return await encodeSegment(input, dir, ctx);
    } catch (err) {
      throw support.renderFailure(err, ctx, dir);
    }
  }

  /** Everything that decides the segment's pixels, its command and the key it is stored under. */
  async function plan(input: RenderSegmentInput, dir: string) {
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
    return { command, result, segmentRef, verify, workDir };
  }

  /** The segment when it is stored whole under its key, else undefined (a damaged one is not it). */
  async function stored(planned: Awaited<ReturnType<typeof plan>>): Promise<RenderedSegment | undefined> {
    if (!(await storage.exists(planned.segmentRef))) return undefined;
    try {
      await planned.verify(storage.localPath(planned.segmentRef));
      return { ...planned.result, reused: true };
    } catch (err) {
      if (!(err instanceof IncompleteAssetError)) throw err;
      return undefined;
    }
  }

  /**
   * The segment if an earlier render (this short's parent, a retry) stored it whole, else null.
   * Light (hashes and one ffprobe), so it runs on the main queue: a revision finds every unchanged
   * segment while its changed picture is still being made, and only the changed ones take render slots.
   */
  async function findRenderedSegment(input: RenderSegmentInput): Promise<RenderedSegment | null> {
    const ctx = Context.current();
    try {
      return (await stored(await plan(input, SEGMENTS_DIR))) ?? null;
    } catch (err) {
      throw support.renderFailure(err, ctx, SEGMENTS_DIR);
    }
  }

  async function encodeSegment(input: RenderSegmentInput, dir: string, ctx: Context): Promise<RenderedSegment> {
    const planned = await plan(input, dir);
    const found = await stored(planned);
    if (found) return found;
    const { command, result, segmentRef, verify, workDir } = planned;
    // Absent or damaged under its key: encode it (again, over a damaged one).
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

    const listRef = `${joinListsDir(input.runKey)}/join-${joinKey.slice(0, 16)}.txt`;
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

  return { renderSegment, findRenderedSegment, joinSegments };
}
