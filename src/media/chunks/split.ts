/**
 * Cutting a long recording into chunks without re-encoding: the cut points are planned on silence
 * near each nominal boundary, then ffmpeg's segment muxer copies the stream into one file per chunk
 * and reports where each really starts and ends (a copy can only cut on a packet, or a keyframe).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FfmpegError, type MediaTools, causeLines, runTool } from '../ffmpeg.js';
import type { Interval } from './silence.js';

/** How far from a nominal boundary a silence may be to cut there instead (seconds, at most). */
const SEARCH_SEC = 60;

/**
 * Cut points for chunks of about `chunkSec`: each nominal boundary moves to the middle of the
 * nearest silence within reach (a quarter of a chunk, at most a minute), so no word is cut in two.
 * Without a silence in reach the cut stays at the nominal time.
 */
export function planCuts(durationSec: number, chunkSec: number, silences: readonly Interval[]): number[] {
  const cuts: number[] = [];
  const reach = Math.min(SEARCH_SEC, chunkSec / 4);
  for (let nominal = chunkSec; nominal < durationSec - chunkSec / 4; nominal += chunkSec) {
    let best: number | undefined;
    for (const s of silences) {
      const middle = (s.start + s.end) / 2;
      if (
        Math.abs(middle - nominal) <= reach &&
        (best === undefined || Math.abs(middle - nominal) < Math.abs(best - nominal))
      ) {
        best = middle;
      }
    }
    const cut = best ?? nominal;
    if (cut > (cuts.at(-1) ?? 0) + 1) cuts.push(Number(cut.toFixed(3)));
  }
  return cuts;
}

export interface SplitChunk {
  file: string;
  startSec: number;
  endSec: number;
}

/**
 * Copies `stream` (`a` for the first audio stream, `v` for video with its audio) of `input` into
 * `dir/chunk-NNN.<ext>`, cut at `cuts`; each chunk starts at time 0 and knows its offset.
 */
export async function splitByCopy(
  tools: MediaTools,
  input: string,
  {
    cuts,
    dir,
    ext,
    stream,
    signal,
  }: { cuts: readonly number[]; dir: string; ext: string; stream: 'a' | 'v'; signal?: AbortSignal },
): Promise<SplitChunk[]> {
  const list = path.join(dir, 'chunks.csv');
  const maps = stream === 'a' ? ['-map', '0:a:0', '-vn'] : ['-map', '0:v:0', '-map', '0:a?'];
  const run = await runTool(
    tools.ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-v',
      'error',
      '-i',
      input,
      ...maps,
      '-c',
      'copy',
      '-f',
      'segment',
      ...(cuts.length ? ['-segment_times', cuts.join(',')] : ['-segment_time', '999999']),
      '-reset_timestamps',
      '1',
      '-segment_list',
      list,
      '-segment_list_type',
      'csv',
      path.join(dir, `chunk-%03d.${ext}`),
    ],
    signal,
  );
  if (run.code !== 0) {
    throw new FfmpegError(`ffmpeg could not split ${input}: ${causeLines(run.stderr).join(' | ')}`, run.stderr);
  }
  const rows = (await readFile(list, 'utf8')).split(/\r?\n/).filter(Boolean);
  return rows.map((row) => {
    const [name, start, end] = row.split(',');
    return { file: path.join(dir, name!), startSec: Number(start), endSec: Number(end) };
  });
}
