/**
 * Video outputs: a small H.264 MP4 (yuv420p, +faststart, no audio track) with visible motion, at
 * the model's frame rate, length and aspect, and its real resolution divided by `videoScale`.
 * Text to video: a drifting gradient in the prompt's colours. Image to video: the input image,
 * cropped to the frame and slowly zoomed, so the first frame is the image (a red start image makes
 * a reddish first frame). Either way a translucent light square circles over it, so no two
 * consecutive frames are the same, even over a flat colour.
 */
import { decodePngSize } from '../../media/png.js';
import type { VideoProfile } from './models.js';
import { colourFor } from './png.js';
import type { Workspace } from './tools.js';

/** The widest and tallest aspect an input image may set (Kling allows 1:2.5 … 2.5:1). */
const MAX_ASPECT = 2.5;

export interface VideoTiming {
  fps: number;
  frames: number;
  /** Resolution tier name ("720p", "standard") and its short side in pixels. */
  tier: string;
  shortSide: number;
}

function positive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** Frame rate, frame count and resolution tier, from the input alone (no image needed). */
export function videoTiming(profile: VideoProfile, input: Record<string, unknown>): VideoTiming {
  const fpsIn = profile.fps.field === undefined ? undefined : input[profile.fps.field];
  const fps = positive(fpsIn) ? fpsIn : profile.fps.default;
  let frames: number;
  if ('seconds' in profile.length) {
    const s = profile.length.seconds;
    const v = s.field === undefined ? undefined : input[s.field];
    frames = Math.round((positive(v) ? v : s.default) * fps);
  } else {
    const f = profile.length.frames;
    const v = f.field === undefined ? undefined : input[f.field];
    frames = Math.round(positive(v) ? v : f.default);
  }
  const r = profile.resolution;
  const asked = r.field === undefined ? undefined : input[r.field];
  const tier = typeof asked === 'string' && Object.hasOwn(r.tiers, asked) ? asked : r.default;
  return { fps, frames: Math.max(1, frames), tier, shortSide: r.tiers[tier] ?? 720 };
}

/** Width ÷ height from "9:16", or from width/height inputs; undefined when neither is usable. */
function askedAspect(profile: VideoProfile, input: Record<string, unknown>): number | undefined {
  const field = profile.aspect.field;
  const text = field !== undefined && typeof input[field] === 'string' ? (input[field] as string) : undefined;
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text ?? profile.aspect.default);
  if (positive(input.width) && positive(input.height) && text === undefined) return input.width / input.height;
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : undefined;
}

/** The output's size: the tier's real size at `aspect`, divided by `scale`, both sides even. */
export function videoSize(shortSide: number, aspect: number, scale: number): { width: number; height: number } {
  const a = Math.min(MAX_ASPECT, Math.max(1 / MAX_ASPECT, aspect));
  const [w, h] = a >= 1 ? [shortSide * a, shortSide] : [shortSide, shortSide / a];
  const even = (x: number) => Math.max(16, 2 * Math.round(x / scale / 2));
  return { width: even(w), height: even(h) };
}

const hex = ([r, g, b]: readonly number[]) => `0x${[r, g, b].map((c) => c!.toString(16).padStart(2, '0')).join('')}`;

export interface VideoRequest {
  profile: VideoProfile;
  input: Record<string, unknown>;
  scale: number;
  /** The first frame's source, when the model was given one. */
  image?: Buffer;
}

export async function renderVideo(ws: Workspace, req: VideoRequest): Promise<Buffer> {
  const { fps, frames, shortSide } = videoTiming(req.profile, req.input);
  const seconds = frames / fps;
  let aspect = askedAspect(req.profile, req.input) ?? 16 / 9;
  let background: { path: string; options: string[] };
  let base: string;
  if (req.image) {
    // Any image ffmpeg reads (PNG, JPEG, WebP…) → one PNG whose header tells its size.
    await ws.write('input-image', req.image);
    await ws.ffmpeg({
      inputs: [{ path: 'input-image' }],
      outputOptions: ['-frames:v', '1', '-f', 'image2', '-c:v', 'png'],
      output: 'first.png',
    });
    const dims = decodePngSize(await ws.read('first.png'));
    aspect = dims.width / dims.height;
    const { width, height } = videoSize(shortSide, aspect, req.scale);
    background = { path: 'first.png', options: ['-loop', '1', '-framerate', String(fps)] };
    // Cover the frame, then zoom in by 12 % over the clip, about the centre.
    base =
      `[0:v]scale=${width * 2}:${height * 2}:force_original_aspect_ratio=increase,crop=${width * 2}:${height * 2},setsar=1,` +
      `zoompan=z='1+0.12*on/${frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${width}x${height}:fps=${fps}[bg]`;
  } else {
    const { width, height } = videoSize(shortSide, aspect, req.scale);
    const prompt = typeof req.input.prompt === 'string' ? req.input.prompt : JSON.stringify(req.input);
    const seed = colourFor(prompt, 99).reduce((a, b) => a * 256 + b, 0);
    background = {
      path: `gradients=s=${width}x${height}:r=${fps}:c0=${hex(colourFor(prompt, 0))}:c1=${hex(colourFor(prompt, 1))}:speed=0.03:seed=${seed}`,
      options: ['-f', 'lavfi'],
    };
    base = '[0:v]setsar=1[bg]';
  }
  const { width, height } = videoSize(shortSide, aspect, req.scale);
  const period = Math.max(2, seconds);
  const box = `color=c=white@0.55:s=${Math.max(2, Math.round(width / 4))}x${Math.max(2, Math.round(height / 4))}:r=${fps},format=rgba[box]`;
  const overlay =
    `[bg][box]overlay=x='(W-w)*(0.5+0.45*sin(2*PI*t/${period}))':y='(H-h)*(0.5+0.45*cos(2*PI*t/${period}))':shortest=1,` +
    'format=yuv420p[v]';
  await ws.ffmpeg({
    inputs: [background],
    filterGraph: `${base};${box};${overlay}`,
    outputOptions: [
      '-map', '[v]',
      '-frames:v', String(frames),
      '-r', String(fps),
      '-c:v', 'libx264',
      '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p',
      '-movflags', '+faststart',
      '-an',
      '-map_metadata', '-1',
      '-f', 'mp4',
    ], // prettier-ignore
    output: 'video.mp4',
  });
  return ws.read('video.mp4');
}
