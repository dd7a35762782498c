/**
 * Builds the single ffmpeg invocation that renders a short: stills get gentle Ken Burns motion,
 * clips are cover-fitted and fitted to their scene (src/media/render/scenes.ts), neighbours overlap
 * in real cross-fades (xfade), and captions are burned in last. The sound is a finished soundtrack
 * (mixed and normalised beforehand, see src/media/audio/) that is only encoded, or, for runs
 * started before soundtracks existed, each narration placed at its scene's time on one mixed track.
 * One pass, no intermediate encodes. The segmented render (src/media/render/segmentGraph.ts) shows
 * the same frames in pieces.
 */
import type { TransitionType } from '../domain/shortRequest.js';
import type { SceneTiming } from '../domain/timeline.js';
import { placedClip } from './audio/format.js';
import type { FfmpegInput } from './ffmpeg.js';
import { type RenderClip, clipFrames, clipInput, stillFrames } from './render/scenes.js';

export { type ClipFit, type RenderClip } from './render/scenes.js';

export interface RenderScene {
  /** The scene's still; unused when it has a clip (which may come without one). */
  imagePath?: string;
  /** The scene's clip, shown instead of the still. */
  clip?: RenderClip;
  /** The scene's narration, mixed in when there is no soundtrack. */
  narrationPath?: string;
  timing: SceneTiming;
}

export interface RenderSpec {
  width: number;
  height: number;
  fps: number;
  transition: { type: TransitionType; duration: number };
  scenes: RenderScene[];
  totalSec: number;
  /** Relative to the ffmpeg working directory, so it needs no filter-path escaping. */
  captionsFile?: string;
  /** A finished soundtrack (48 kHz stereo WAV, the timeline's length), encoded as it is. */
  soundtrackPath?: string;
  preset: string;
  /**
   * Every frame on the timeline's grid: ffmpeg 5.1's xfade stamps the last frame of a transition one
   * frame late, so without this each transition shows one frame twice and pushes what follows one
   * frame later (the end is cut to length). A short with a clip always renders exactly; an all-stills
   * short only when asked, since runs started before this keep the command they started with.
   */
  exactFrames?: boolean;
}

export interface RenderCommand {
  inputs: FfmpegInput[];
  filterGraph: string;
  outputOptions: string[];
}

export const XFADE_NAME: Record<Exclude<TransitionType, 'cut'>, string> = {
  crossfade: 'fade',
  dissolve: 'dissolve',
  wipeleft: 'wipeleft',
  slideup: 'slideup',
};

export function buildRenderCommand(spec: RenderSpec): RenderCommand {
  const { width: W, height: H, fps } = spec;
  const inputs: FfmpegInput[] = [];
  const chains: string[] = [];
  const add = (input: FfmpegInput) => inputs.push(input) - 1;
  const spare = fades(spec) && exactFrames(spec);
  spec.scenes.forEach((scene, i) => {
    const frames = Math.round(scene.timing.durationSec * fps);
    const window = spare && i < spec.scenes.length - 1 ? { from: 0, to: frames + TAIL_SPARE_FRAMES } : undefined;
    if (scene.clip) {
      const clip = add(clipInput(scene.clip, frames, fps));
      chains.push(`[${clip}:v]${clipFrames(W, H, fps, frames, scene.clip, window)}[v${i}]`);
    } else {
      if (!scene.imagePath) throw new Error(`scene ${i + 1} has neither a still nor a clip`);
      const image = add({ path: scene.imagePath });
      chains.push(`[${image}:v]${stillFrames(W, H, fps, frames, i, window)}[v${i}]`);
    }
    if (spec.soundtrackPath) return;
    if (!scene.narrationPath) throw new Error(`scene ${i + 1} has no narration and the render no soundtrack`);
    chains.push(`${placedClip(add({ path: scene.narrationPath }), scene.timing.narrationStartSec)}[a${i}]`);
  });

  const videoOut = joinVideo(spec, chains);
  let audioOut = '[aout]';
  if (spec.soundtrackPath) audioOut = `${add({ path: spec.soundtrackPath })}:a`;
  else chains.push(`${narrationMix(spec.scenes.length, spec.totalSec, (i) => `[a${i}]`)}[aout]`);
  if (spec.captionsFile) chains.push(`[${videoOut}]ass=filename=${spec.captionsFile}[vout]`);
  else chains.push(`[${videoOut}]null[vout]`);

  return {
    inputs,
    filterGraph: chains.join(';'),
    outputOptions: [
      '-map',
      '[vout]',
      '-map',
      audioOut,
      ...videoEncoding(spec.preset, fps),
      ...AUDIO_ENCODING,
      '-movflags',
      '+faststart',
      '-t',
      spec.totalSec.toFixed(3),
    ],
  };
}

/** Neighbours overlap in a transition picture (not a plain cut). */
function fades(spec: RenderSpec): boolean {
  return spec.scenes.length > 1 && spec.transition.type !== 'cut' && spec.transition.duration !== 0;
}

function exactFrames(spec: RenderSpec): boolean {
  return spec.exactFrames === true || spec.scenes.some((s) => s.clip);
}

/** The narration clips (already placed at their times) on one track of the timeline's length. */
export function narrationMix(n: number, totalSec: number, label: (i: number) => string): string {
  const labels = Array.from({ length: n }, (_, i) => label(i)).join('');
  return `${labels}amix=inputs=${n}:normalize=0:dropout_transition=0,apad,atrim=0:${totalSec.toFixed(3)}`;
}

/** The one x264 setting of every render: the one pass and every segment encode with exactly this. */
export function videoEncoding(preset: string, fps: number): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    ...tuningFor(preset),
    '-crf',
    '22',
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(fps),
  ];
}

export const AUDIO_ENCODING = ['-c:a', 'aac', '-b:a', '160k'];

/**
 * Our default preset with the cheapest motion search: on Ken Burns stills it saves ~30 % of x264's
 * CPU at the same file size (measured on 1080×1920 zoom and pan clips), since motion is smooth.
 */
function tuningFor(preset: string): string[] {
  return preset === 'veryfast' ? ['-x264-params', 'me=dia:subme=1'] : [];
}

/**
 * With exact frames a transition's tail reaches one frame past its scene's end, a spare that is
 * never shown. xfade ends a transition as soon as its first input reports its end, and that report
 * can overtake the head's last frame, so the last pair came out blended or not depending on which
 * branch of the graph ffmpeg ran first (measured: a one-pass and a segmented render of the same
 * short differed there, and only there). The spare is made only once xfade asks for it, after the
 * last pair, so every pair is blended in every graph.
 */
export const TAIL_SPARE_FRAMES = 1;

/** A transition's picture: the tail under the head, back in yuv420p (and on the frame grid when exact). */
export function fadeFilter(type: TransitionType, frames: number, fps: number, exact: boolean): string {
  if (type === 'cut') throw new Error('a cut has no transition picture');
  const fade = `xfade=transition=${XFADE_NAME[type]}:duration=${(frames / fps).toFixed(4)}:offset=0,format=yuv420p`;
  return exact ? `${fade},setpts=N` : fade;
}

/**
 * Joins the scene clips with overlapping transitions; returns the label of the joined video.
 *
 * ffmpeg 5's xfade only works in 4:4:4, so chaining whole clips through it converts every frame of
 * the short twice (measured: it more than doubled the filter time). Instead each clip is split into
 * head, body and tail; only the short tail/head pairs go through xfade, and everything is
 * concatenated in yuv420p: body₀, fade(tail₀, head₁), body₁, …
 */
function joinVideo(spec: RenderSpec, chains: string[]): string {
  const n = spec.scenes.length;
  if (n === 1) return 'v0';
  const all = (labels: string[]) => labels.map((l) => `[${l}]`).join('');
  if (!fades(spec)) {
    chains.push(`${all(spec.scenes.map((_, i) => `v${i}`))}concat=n=${n}:v=1:a=0[vjoined]`);
    return 'vjoined';
  }
  const exact = exactFrames(spec);
  const T = Math.round(spec.transition.duration * spec.fps);
  const segment = (from: number, to: number) => `trim=start_frame=${from}:end_frame=${to},setpts=PTS-STARTPTS`;
  const order: string[] = [];
  spec.scenes.forEach((scene, i) => {
    const frames = Math.round(scene.timing.durationSec * spec.fps);
    const parts = [i > 0 && 'h', 'b', i < n - 1 && 't'].filter((p): p is string => Boolean(p));
    chains.push(`[v${i}]split=${parts.length}${all(parts.map((p) => `${p}${i}`))}`);
    if (i > 0) chains.push(`[h${i}]${segment(0, T)}[head${i}]`);
    chains.push(`[b${i}]${segment(i > 0 ? T : 0, i < n - 1 ? frames - T : frames)}[body${i}]`);
    if (i < n - 1) chains.push(`[t${i}]${segment(frames - T, exact ? frames + TAIL_SPARE_FRAMES : frames)}[tail${i}]`);
    if (i > 0) {
      chains.push(`[tail${i - 1}][head${i}]${fadeFilter(spec.transition.type, T, spec.fps, exact)}[fade${i}]`);
      order.push(`fade${i}`);
    }
    order.push(`body${i}`);
  });
  chains.push(`${all(order)}concat=n=${order.length}:v=1:a=0[vjoined]`);
  return 'vjoined';
}
