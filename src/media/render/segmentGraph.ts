/**
 * The ffmpeg commands of the segmented render: one segment (a scene's body, or a transition) encoded
 * on its own, and the join of all of them. Segments show exactly the frames the one-pass render
 * (renderGraph.ts, with exact frames) shows there: the same scene chains over a window of frames,
 * the same xfade, captions on the one-pass clock (captionClock.ts). Every segment is encoded with
 * the same x264 settings, so all share one SPS/PPS and the join is a stream copy (concat demuxer).
 */
import type { TransitionType } from '../../domain/shortRequest.js';
import { placedClip } from '../audio/format.js';
import type { FfmpegInput } from '../ffmpeg.js';
import {
  AUDIO_ENCODING,
  type RenderCommand,
  TAIL_SPARE_FRAMES,
  fadeFilter,
  narrationMix,
  videoEncoding,
} from '../renderGraph.js';
import { type RenderClip, clipFrames, clipInput, stillFrames } from './scenes.js';
import type { ScenePart, SegmentLayout } from './segments.js';

/** What a scene shows: its still, or its clip. */
export interface SegmentSource {
  /** Absent when the scene shows a clip. */
  imagePath?: string;
  clip?: RenderClip;
  /** The scene's frames in the whole short. */
  frames: number;
}

export interface SegmentSpec {
  width: number;
  height: number;
  fps: number;
  preset: string;
  transition: { type: TransitionType; duration: number };
  segment: SegmentLayout;
  /** By scene index: the sources of the scenes the segment shows. */
  sources: Record<number, SegmentSource>;
  /** The segment's own captions: a file relative to the working directory, and the clock filters. */
  captions?: { file: string; clockFilters: string[] };
}

export function buildSegmentCommand(spec: SegmentSpec): RenderCommand {
  const { width: W, height: H, fps, segment } = spec;
  const inputs: FfmpegInput[] = [];
  const chains: string[] = [];
  const part = ({ scene, from, to }: ScenePart, label: string, spare = false) => {
    const source = spec.sources[scene];
    if (!source) throw new Error(`segment ${segment.index} needs scene ${scene + 1}, which has no source`);
    const window = { from, to: spare ? to + TAIL_SPARE_FRAMES : to };
    if (source.clip) {
      const at = inputs.push(clipInput(source.clip, source.frames, fps)) - 1;
      chains.push(`[${at}:v]${clipFrames(W, H, fps, source.frames, source.clip, window)}[${label}]`);
    } else {
      if (!source.imagePath) throw new Error(`scene ${scene + 1} has neither a still nor a clip`);
      const at = inputs.push({ path: source.imagePath }) - 1;
      chains.push(`[${at}:v]${stillFrames(W, H, fps, source.frames, scene, window)}[${label}]`);
    }
  };
  if (segment.kind === 'body') part(segment.parts[0]!, 'seg');
  else {
    part(segment.parts[0]!, 'tail', true);
    part(segment.parts[1]!, 'head');
    chains.push(`[tail][head]${fadeFilter(spec.transition.type, segment.frames, fps, true)}[seg]`);
  }
  const burn = spec.captions ? [...spec.captions.clockFilters, `ass=filename=${spec.captions.file}`] : [];
  chains.push(`[seg]${[...burn, `settb=1/${fps}`, 'setpts=N'].join(',')}[vout]`);
  return {
    inputs,
    filterGraph: chains.join(';'),
    outputOptions: ['-map', '[vout]', ...videoEncoding(spec.preset, fps), '-frames:v', String(segment.frames)],
  };
}

/** The concat demuxer's list: every segment with its exact span, so timestamps run on across joins. */
export function concatList(segments: { path: string; frames: number }[], fps: number): string {
  const us = (frames: number) => Math.round((frames / fps) * 1e6);
  let at = 0;
  const lines = ['ffconcat version 1.0'];
  for (const s of segments) {
    // Each span is the difference of rounded cumulative times, so rounding never accumulates.
    const span = us(at + s.frames) - us(at);
    at += s.frames;
    lines.push(`file '${s.path.replace(/'/g, "'\\''")}'`, `duration ${(span / 1e6).toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface JoinSpec {
  /** The concat list (concatList), as a path. */
  listPath: string;
  totalSec: number;
  /** The finished soundtrack, encoded once over the whole short. */
  soundtrackPath?: string;
  /** Without a soundtrack (runs from before soundtracks): each narration and when it starts. */
  narrations?: { path: string; startSec: number }[];
  /** Written into the file's metadata, so a finished join is recognised. */
  comment: string;
}

/** The segments' video copied as it is, the sound encoded to AAC in one go over the whole short. */
export function buildJoinCommand(spec: JoinSpec): RenderCommand {
  const inputs: FfmpegInput[] = [{ path: spec.listPath, options: ['-f', 'concat', '-safe', '0'] }];
  let filterGraph = '';
  let audio: string;
  if (spec.soundtrackPath) {
    inputs.push({ path: spec.soundtrackPath });
    audio = '1:a';
  } else {
    const narrations = spec.narrations ?? [];
    if (!narrations.length) throw new Error('the join has neither a soundtrack nor narration');
    const placed = narrations.map((n, i) => `${placedClip(inputs.push({ path: n.path }) - 1, n.startSec)}[a${i}]`);
    filterGraph = [...placed, `${narrationMix(narrations.length, spec.totalSec, (i) => `[a${i}]`)}[aout]`].join(';');
    audio = '[aout]';
  }
  return {
    inputs,
    filterGraph,
    outputOptions: [
      '-map',
      '0:v',
      '-map',
      audio,
      '-c:v',
      'copy',
      ...AUDIO_ENCODING,
      '-metadata',
      `comment=${spec.comment}`,
      '-movflags',
      '+faststart',
      '-t',
      spec.totalSec.toFixed(3),
    ],
  };
}
