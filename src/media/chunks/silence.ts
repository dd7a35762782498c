/**
 * Where a recording is silent, from ffmpeg's silencedetect: long videos are cut there, so no word
 * is split between two chunks, and the emulator's speech model finds its words between them.
 */
import { type MediaTools, filterLog } from '../ffmpeg.js';

export interface Interval {
  start: number;
  end: number;
}

export interface SilenceOptions {
  /** Quieter than this is silence (dBFS). */
  noiseDb?: number;
  /** Silences shorter than this do not count (seconds). */
  minSec?: number;
  signal?: AbortSignal;
}

/** The silent stretches of `file`'s first audio stream, in order; one still open at the end ends at `durationSec`. */
export async function detectSilences(
  tools: MediaTools,
  file: string,
  durationSec: number,
  { noiseDb = -35, minSec = 0.3, signal }: SilenceOptions = {},
): Promise<Interval[]> {
  const log = await filterLog(tools, file, {
    map: '0:a:0',
    filter: { flag: '-af', graph: `silencedetect=noise=${noiseDb}dB:d=${minSec}` },
    what: 'audio',
    signal,
  });
  const silences: Interval[] = [];
  let open: number | undefined;
  for (const line of log.split(/\r?\n/)) {
    const start = /silence_start: (-?[\d.]+)/.exec(line);
    if (start) open = Math.max(0, Number(start[1]));
    const end = /silence_end: ([\d.]+)/.exec(line);
    if (end && open !== undefined) {
      silences.push({ start: open, end: Number(end[1]) });
      open = undefined;
    }
  }
  if (open !== undefined && durationSec > open) silences.push({ start: open, end: durationSec });
  return silences;
}

/** What is not silence: the sounding stretches between the silences, within [0, durationSec]. */
export function soundingIntervals(silences: readonly Interval[], durationSec: number): Interval[] {
  const sounding: Interval[] = [];
  let at = 0;
  for (const s of silences) {
    if (s.start > at) sounding.push({ start: at, end: Math.min(s.start, durationSec) });
    at = Math.max(at, s.end);
  }
  if (at < durationSec) sounding.push({ start: at, end: durationSec });
  return sounding.filter((i) => i.end - i.start > 0.01);
}
