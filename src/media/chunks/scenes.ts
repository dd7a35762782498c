/**
 * Scene changes in a video, found locally with ffmpeg's scene score (`select='gt(scene,T)'`), and
 * one still per scene: what the `scenes` task of a long video is made of.
 */
import { type MediaTools, filterLog, runFfmpeg } from '../ffmpeg.js';

/** Times (seconds from the file's start) where the picture changes by more than `threshold` (0–1). */
export async function detectSceneChanges(
  tools: MediaTools,
  file: string,
  { threshold = 0.3, signal }: { threshold?: number; signal?: AbortSignal } = {},
): Promise<number[]> {
  const log = await filterLog(tools, file, {
    map: '0:v:0',
    filter: { flag: '-vf', graph: `select='gt(scene,${threshold})',showinfo` },
    what: 'picture',
    signal,
  });
  return [...log.matchAll(/pts_time:\s*([\d.]+)/g)].map((m) => Number(m[1]));
}

/** One JPEG of the frame at `atSec`, `width` pixels wide. */
export function extractStill(
  tools: MediaTools,
  file: string,
  atSec: number,
  output: string,
  { width = 480, signal }: { width?: number; signal?: AbortSignal } = {},
): Promise<void> {
  return runFfmpeg(tools, {
    inputs: [{ path: file, options: ['-ss', atSec.toFixed(3)] }],
    outputOptions: ['-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '3', '-f', 'image2', '-y'],
    output,
    signal,
  });
}
