/**
 * Builds the single ffmpeg invocation that renders a short: stills get gentle Ken Burns motion,
 * neighbours overlap in real cross-fades (xfade), each narration is placed at its scene's time on
 * one mixed track, and captions are burned in last. One pass, no intermediate encodes.
 */
import type { TransitionType } from '../domain/shortRequest.js';
import type { SceneTiming } from '../domain/timeline.js';
import type { FfmpegInput } from './ffmpeg.js';

export interface RenderScene {
  imagePath: string;
  narrationPath: string;
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
  preset: string;
}

export interface RenderCommand {
  inputs: FfmpegInput[];
  filterGraph: string;
  outputOptions: string[];
}

const XFADE_NAME: Record<Exclude<TransitionType, 'cut'>, string> = {
  crossfade: 'fade',
  dissolve: 'dissolve',
  wipeleft: 'wipeleft',
  slideup: 'slideup',
};

/** How far a Ken Burns move zooms in: subtle enough that motion never distracts from the story. */
const ZOOM = 0.08;

export function buildRenderCommand(spec: RenderSpec): RenderCommand {
  const { width: W, height: H, fps } = spec;
  const inputs: FfmpegInput[] = [];
  const chains: string[] = [];
  spec.scenes.forEach((scene, i) => {
    inputs.push({ path: scene.imagePath }, { path: scene.narrationPath });
    const frames = Math.round(scene.timing.durationSec * fps);
    chains.push(`[${2 * i}:v]${stillToClip(W, H, fps, frames, i)}[v${i}]`);
    const delayMs = Math.round(scene.timing.narrationStartSec * 1000);
    chains.push(
      `[${2 * i + 1}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=${delayMs}:all=1[a${i}]`,
    );
  });

  const n = spec.scenes.length;
  const videoOut = joinVideo(spec, chains);
  const audioLabels = spec.scenes.map((_, i) => `[a${i}]`).join('');
  chains.push(
    `${audioLabels}amix=inputs=${n}:normalize=0:dropout_transition=0,apad,atrim=0:${spec.totalSec.toFixed(3)}[aout]`,
  );
  if (spec.captionsFile) chains.push(`[${videoOut}]ass=filename=${spec.captionsFile}[vout]`);
  else chains.push(`[${videoOut}]null[vout]`);

  return {
    inputs,
    filterGraph: chains.join(';'),
    outputOptions: [
      '-map', '[vout]',
      '-map', '[aout]',
      '-c:v', 'libx264',
      '-preset', spec.preset,
      '-crf', '22',
      '-pix_fmt', 'yuv420p',
      '-r', String(fps),
      '-c:a', 'aac',
      '-b:a', '160k',
      '-movflags', '+faststart',
      '-t', spec.totalSec.toFixed(3),
    ],
  };
}

/**
 * A still becomes a clip of exactly `frames` frames: cover-fit once, repeat the frame in memory
 * (cheaper than decoding the image per frame), then move. Even scenes zoom in, odd ones zoom out,
 * anchored at different points so consecutive scenes do not feel identical.
 */
function stillToClip(W: number, H: number, fps: number, frames: number, index: number): string {
  const progress = `on/${Math.max(1, frames - 1)}`;
  const zoom = index % 2 === 0 ? `1+${ZOOM}*${progress}` : `1+${ZOOM}*(1-${progress})`;
  const anchors = [
    ['0.5', '0.5'],
    ['0.35', '0.4'],
    ['0.6', '0.55'],
    ['0.45', '0.6'],
  ] as const;
  const [ax, ay] = anchors[index % anchors.length]!;
  return [
    `scale=${W}:${H}:force_original_aspect_ratio=increase`,
    `crop=${W}:${H}`,
    'setsar=1',
    'format=yuv420p',
    `loop=loop=${frames - 1}:size=1:start=0`,
    `zoompan=z='${zoom}':x='(iw-iw/zoom)*${ax}':y='(ih-ih/zoom)*${ay}':d=1:s=${W}x${H}:fps=${fps}`,
    `settb=1/${fps}`,
    'setpts=N',
  ].join(',');
}

/** Chains the scene clips with overlapping transitions; returns the label of the joined video. */
function joinVideo(spec: RenderSpec, chains: string[]): string {
  const n = spec.scenes.length;
  if (n === 1) return 'v0';
  if (spec.transition.type === 'cut' || spec.transition.duration === 0) {
    chains.push(`${spec.scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${n}:v=1:a=0[vjoined]`);
    return 'vjoined';
  }
  const name = XFADE_NAME[spec.transition.type];
  let previous = 'v0';
  for (let i = 1; i < n; i++) {
    const label = i === n - 1 ? 'vjoined' : `x${i}`;
    const offset = spec.scenes[i]!.timing.startSec.toFixed(3);
    chains.push(
      `[${previous}][v${i}]xfade=transition=${name}:duration=${spec.transition.duration}:offset=${offset}[${label}]`,
    );
    previous = label;
  }
  return 'vjoined';
}
