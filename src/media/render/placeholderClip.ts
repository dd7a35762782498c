/**
 * Placeholder clips: what a video model would store (H.264 MP4, its own size and rate, maybe with a
 * soundtrack of its own), made locally by ffmpeg for offline runs, tests and benchmarks.
 *
 *   gradients  ffmpeg's moving colour gradients: looks like footage, costs like footage to encode.
 *   ramp       a measurable clip: brightness rises evenly from 40 to 190 over the clip, over
 *              static vertical stripes 32 px apart, so a frame's mean says where in the clip it
 *              is, and the stripes say how it was scaled or zoomed.
 */
import { type MediaTools, runFfmpeg } from '../ffmpeg.js';

export interface PlaceholderClip {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  pattern: 'gradients' | 'ramp';
  /** A 1 kHz tone beside the picture: the render must never let it through. */
  audio?: boolean;
}

export const RAMP_FROM = 40;
export const RAMP_TO = 190;
export const RAMP_STRIPE_PX = 32;

export async function makePlaceholderClip(tools: MediaTools, output: string, clip: PlaceholderClip): Promise<void> {
  const { width: W, height: H, fps, seconds } = clip;
  const picture =
    clip.pattern === 'gradients'
      ? `gradients=s=${W}x${H}:r=${fps}:d=${seconds}:speed=0.03:nb_colors=3:seed=7`
      : `color=c=black:s=${W}x${H}:r=${fps}:d=${seconds},format=yuv420p,geq=lum='${RAMP_FROM}+${RAMP_TO - RAMP_FROM}*T/${seconds}+20*gt(mod(X\\,${RAMP_STRIPE_PX})\\,${RAMP_STRIPE_PX / 2 - 1})':cb=128:cr=128`;
  const inputs = [{ path: picture, options: ['-f', 'lavfi'] }];
  if (clip.audio)
    inputs.push({ path: `sine=frequency=1000:sample_rate=48000:duration=${seconds}`, options: ['-f', 'lavfi'] });
  await runFfmpeg(tools, {
    inputs,
    outputOptions: [
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      ...(clip.audio ? ['-c:a', 'aac', '-b:a', '128k', '-shortest'] : []),
      '-movflags',
      '+faststart',
    ],
    output,
  });
}
