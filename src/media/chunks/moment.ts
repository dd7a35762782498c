/**
 * One moment of a long recording cut out for a short of its own: the picture re-encoded from
 * the moment's first frame (a stream copy could only start on a keyframe, seconds early) and its
 * sound as the soundtrack pipeline's WAV, exactly as long. Both start at the same instant, so the
 * speech stays on the lips. Reframing to 9:16 is a crop over the subject when one moves off centre
 * (media/reframe.ts), else the render's cover fit (a centre crop).
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

/**
 * The picture, cropped to 9:16 at `crop` (the left edge, in source pixels) when the framing found a
 * subject; otherwise whole, and the render's cover fit takes its centre.
 */
export function cutMomentPicture(
  tools: MediaTools,
  source: string,
  output: string,
  cut: MomentCut & { crop?: { width: number; left: number } },
): Promise<void> {
  const crop = cut.crop ? `crop=${cut.crop.width}:ih:${cut.crop.left}:0,` : '';
  return runFfmpeg(tools, {
    inputs: [{ path: source, options: ['-ss', cut.startSec.toFixed(3), '-t', cut.durationSec.toFixed(3)] }],
    filterGraph: `[0:v:0]${crop}scale=-2:'min(ih,${MAX_HEIGHT})',setsar=1,format=yuv420p[v]`,
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
