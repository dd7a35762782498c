import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { probeMedia } from '../../src/media/ffmpeg.js';
import { tools } from './temporal.js';

const run = promisify(execFile);

export const probe = (file: string) => probeMedia(tools, file);

/** One frame at `atSec`, downscaled to `width` px wide, as 8-bit grey pixels. */
export async function grayFrame(file: string, atSec: number, width = 216): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(atSec),
      '-i',
      file,
      '-frames:v',
      '1',
      '-vf',
      `scale=${width}:-2,format=gray`,
      '-f',
      'rawvideo',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Mean absolute difference per pixel between two equally sized grey frames. */
export function meanDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`frame sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Fraction of pixels in rows [fromRow, toRow) brighter than `threshold`. */
export function brightShare(frame: Buffer, width: number, fromRow: number, toRow: number, threshold = 200): number {
  let bright = 0;
  let total = 0;
  for (let row = fromRow; row < toRow; row++) {
    for (let col = 0; col < width; col++) {
      total++;
      if (frame[row * width + col]! > threshold) bright++;
    }
  }
  return bright / total;
}
