/**
 * One moment of a long recording cut out for a short of its own: the picture re-encoded from
 * the moment's first frame (a stream copy could only start on a keyframe, seconds early) and its
 * sound as the soundtrack pipeline's WAV, exactly as long. Both start at the same instant, so the
 * speech stays on the lips; reframing to 9:16 is the render's cover fit (a centre crop).
 */
import { SAMPLE_RATE, WAV_OUTPUT, exactLength } from '../audio/format.js';
import { type MediaTools, runFfmpeg } from '../ffmpeg.js';

export interface MomentCut {
  startSec: number;
  durationSec: number;
  signal?: AbortSignal;
}

/** Taller sources are scaled down to this height: the short is 1920 high, the crop only narrows it. */
const MAX_HEIGHT = 1920;

export function cutMomentPicture(tools: MediaTools, source: string, output: string, cut: MomentCut): Promise<void> {
  return runFfmpeg(tools, {
    inputs: [{ path: source, options: ['-ss', cut.startSec.toFixed(3), '-t', cut.durationSec.toFixed(3)] }],
    filterGraph: `[0:v:0]scale=-2:'min(ih,${MAX_HEIGHT})',setsar=1,format=yuv420p[v]`,
    outputOptions: ['-map', '[v]', '-an', '-sn', '-dn', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18'],
    output,
    expectedDurationSec: cut.durationSec,
    signal: cut.signal,
  });
}

export function cutMomentSound(tools: MediaTools, source: string, output: string, cut: MomentCut): Promise<void> {
  const samples = Math.round(cut.durationSec * SAMPLE_RATE);
  return runFfmpeg(tools, {
    inputs: [{ path: source, options: ['-ss', cut.startSec.toFixed(3), '-t', cut.durationSec.toFixed(3)] }],
    filterGraph: `[0:a:0]aresample=${SAMPLE_RATE},aformat=channel_layouts=stereo,${exactLength(samples)}[a]`,
    outputOptions: ['-map', '[a]', ...WAV_OUTPUT],
    output,
    signal: cut.signal,
  });
}
