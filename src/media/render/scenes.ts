/**
 * One scene as a stream of frames at the short's size and rate, for the one-pass render and for
 * segments alike. Either a still with gentle Ken Burns motion, or a clip (a stored MP4 from a video
 * model) cover-fitted, converted to the short's rate and fitted to the scene's length. A window
 * [from, to) of the scene's frames gives exactly the frames the whole scene has there, so a segment
 * that renders part of a scene shows what the one-pass render shows.
 */
import type { FfmpegInput } from '../ffmpeg.js';

/**
 * How a clip shorter than its scene fills it: `hold` its last frame with a gentle zoom, `loop` it,
 * or play it `slow`er (down to half speed, then hold). A longer clip is trimmed in every mode.
 */
export type ClipFit = 'hold' | 'loop' | 'slow';

export interface RenderClip {
  path: string;
  fit: ClipFit;
  /** Length of the clip's video stream (probed): how many of the short's frames it fills. */
  durationSec: number;
}

/** A window of a scene's frames, [from, to); the whole scene is [0, frames). */
export interface FrameWindow {
  from: number;
  to: number;
}

/** How far a Ken Burns move zooms in: subtle enough that motion never distracts from the story. */
export const ZOOM = 0.08;
/** A held clip frame zooms in this much per second: slower than a still's move, but never frozen. */
export const HOLD_ZOOM_PER_SEC = 0.015;
/** `slow` never plays a clip slower than this fraction of its speed; what is left is held. */
export const MIN_CLIP_SPEED = 0.5;

/**
 * A still becomes a clip of exactly `frames` frames: cover-fit once, repeat the frame in memory
 * (cheaper than decoding the image per frame), then move. Scenes alternate a slow zoom-in with a
 * slow diagonal pan: a pan is a pure translation, which x264 encodes at a fraction of a zoom's
 * cost (measured: ~35 % less CPU per frame), so alternating keeps renders well above realtime.
 * A window renders only its own frames, with the motion where the whole scene has it then.
 */
export function stillFrames(W: number, H: number, fps: number, frames: number, index: number, window?: FrameWindow) {
  const from = window?.from ?? 0;
  const count = (window?.to ?? frames) - from;
  const last = Math.max(1, frames - 1);
  const repeat = `loop=loop=${count - 1}:size=1:start=0`;
  const at = (counter: string) => (from === 0 ? counter : `(${counter}+${from})`);
  if (index % 2 === 0) {
    const [ax, ay] = ZOOM_ANCHORS[(index / 2) % ZOOM_ANCHORS.length]!;
    return [
      ...coverFit(W, H),
      repeat,
      `zoompan=z='1+${ZOOM}*${at('on')}/${last}':x='(iw-iw/zoom)*${ax}':y='(ih-ih/zoom)*${ay}':d=1:s=${W}x${H}:fps=${fps}`,
      ...finish(fps),
    ].join(',');
  }
  // Pan across an image scaled up by the zoom margin; direction varies from scene to scene.
  const [dx, dy] = PAN_DIRECTIONS[((index - 1) / 2) % PAN_DIRECTIONS.length]!;
  const bigW = even(W * (1 + ZOOM));
  const bigH = even(H * (1 + ZOOM));
  const along = (d: number, span: string) =>
    d > 0 ? `${span}*${at('n')}/${last}` : d < 0 ? `${span}*(1-${at('n')}/${last})` : `${span}/2`;
  return [
    ...coverFit(bigW, bigH),
    repeat,
    // exact=1 keeps 1-pixel steps on yuv420p (the default rounds to 2), so the drift stays smooth.
    `crop=${W}:${H}:x='${along(dx, '(iw-ow)')}':y='${along(dy, '(ih-oh)')}':exact=1`,
    ...finish(fps),
  ].join(',');
}

/** How a clip fills a scene of `frames` frames at `fps`. */
export interface ClipFitPlan {
  /** Playback slowed by this factor (1: its own speed). */
  stretch: number;
  /** The clip repeats (its input is read again and again). */
  loops: boolean;
  /** Frames the clip's own pictures fill; from here on the last one is held, zooming slowly. */
  heldFrom: number;
}

export function clipFitPlan(clip: RenderClip, frames: number, fps: number): ClipFitPlan {
  if (!(clip.durationSec > 0)) throw new Error(`the clip ${clip.path} has no video to show`);
  const natural = clip.durationSec * fps;
  const short = natural < frames;
  const stretch = clip.fit === 'slow' && short ? round6(Math.min(1 / MIN_CLIP_SPEED, frames / natural)) : 1;
  const loops = clip.fit === 'loop' && short;
  // ffmpeg's fps filter yields round(duration × rate) frames (measured at 23.976–60 fps, slowed or not).
  const filled = loops ? frames : Math.round(natural * stretch);
  return { stretch, loops, heldFrom: Math.min(frames, filled) };
}

/** A looping clip's input is read again and again; clip audio is never read. */
export function clipInput(clip: RenderClip, frames: number, fps: number): FfmpegInput {
  const { loops } = clipFitPlan(clip, frames, fps);
  return { path: clip.path, options: [...(loops ? ['-stream_loop', '-1'] : []), '-an', '-sn', '-dn'] };
}

/**
 * A clip becomes exactly `frames` frames (or the window of them): its own timestamps from zero,
 * slowed for `slow`, converted to the short's rate, padded with copies of its last frame (so a clip
 * a frame shorter than its probe promised still fills the scene), trimmed, then cover-fitted like a
 * still. Only the frames of the window are scaled. Held frames zoom in slowly from the centre.
 * A window may reach past the scene's end (a transition's spare frame): more copies of the last.
 */
export function clipFrames(W: number, H: number, fps: number, frames: number, clip: RenderClip, window?: FrameWindow) {
  const { stretch, heldFrom } = clipFitPlan(clip, frames, fps);
  const from = window?.from ?? 0;
  const to = window?.to ?? frames;
  const steps = ['setpts=PTS-STARTPTS'];
  if (stretch !== 1) steps.push(`setpts=${stretch}*PTS`);
  steps.push(`fps=${fps}`, `tpad=stop_mode=clone:stop=${frames}`, `trim=start_frame=${from}:end_frame=${to}`);
  steps.push(...coverFit(W, H));
  // Every window of a scene with a hold zooms (at 1× before the hold), so that a frame comes out of
  // the same filters whichever window renders it.
  if (heldFrom < frames) {
    const held = `(on+${from}-${heldFrom}+1)`;
    steps.push(
      `zoompan=z='if(lt(on+${from},${heldFrom}),1,1+${HOLD_ZOOM_PER_SEC}*${held}/${fps})':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=1:s=${W}x${H}:fps=${fps}`,
    );
  }
  steps.push(...finish(fps));
  return steps.join(',');
}

/** xfade needs equal time bases and frame rates on both inputs. */
function finish(fps: number): string[] {
  return [`settb=1/${fps}`, 'setpts=N', `fps=${fps}`];
}

const ZOOM_ANCHORS = [
  ['0.5', '0.5'],
  ['0.35', '0.4'],
  ['0.6', '0.55'],
] as const;
const PAN_DIRECTIONS = [
  [1, 1],
  [-1, 0.5],
  [1, -1],
  [-1, -0.5],
] as const;

function coverFit(W: number, H: number): string[] {
  return [`scale=${W}:${H}:force_original_aspect_ratio=increase`, `crop=${W}:${H}`, 'setsar=1', 'format=yuv420p'];
}

function even(n: number): number {
  return Math.round(n / 2) * 2;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
