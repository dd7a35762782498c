/**
 * Loudness measurement with ffmpeg's EBU R128 meter (ebur128: integrated loudness with the
 * BS.1770 gates, loudness range, and true peak from a 4× oversampled signal).
 *
 * The meter reports on stderr, which `runFfmpeg` does not hand back, so it runs with `metadata=1`
 * and `ametadata=mode=print` writes its readings to a log file in the job's working directory:
 * the last reading is the integrated value over the whole stream. A meter can sit on a branch of
 * any graph (`meterChain`), so a pass that writes a file measures exactly what it writes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type MediaTools, runFfmpeg } from '../ffmpeg.js';
import { gainToDb } from './format.js';

export interface Loudness {
  /** Integrated loudness, LUFS (gated: silence does not count). −70 for silence. */
  integratedLufs: number;
  /** Highest true peak of any channel, dBTP. */
  truePeakDbtp: number;
  /** Loudness range, LU. */
  rangeLu: number;
}

/** Where loudness-normalised platforms (YouTube, TikTok, Spotify) play speech-led content. */
export const LOUDNESS_TARGET = { integratedLufs: -14, truePeakDbtp: -1 } as const;

/** The floor we report for a peak of digital silence (JSON has no −Infinity). */
const SILENT_DB = -120;

/**
 * A chain that meters what flows into it and writes the readings to `logFile` (a bare file name
 * in the job's working directory, so it needs no filter escaping). Half a second of silence is
 * appended first: the meter reads in 100 ms steps, and the padding pushes the last samples in.
 */
export function meterChain(logFile: string): string {
  return `apad=pad_dur=0.5,ebur128=peak=true:metadata=1,ametadata=mode=print:file=${logFile}`;
}

export function parseLoudnessLog(text: string): Loudness {
  let integrated: number | undefined;
  let range = 0;
  let peak = 0;
  for (const line of text.split('\n')) {
    const [key, value] = line.split('=');
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (key === 'lavfi.r128.I') integrated = n;
    else if (key === 'lavfi.r128.LRA') range = n;
    else if (key === 'lavfi.r128.true_peak') peak = Math.max(peak, n);
  }
  if (integrated === undefined) throw new Error('the loudness meter wrote no reading');
  return {
    integratedLufs: round2(integrated),
    truePeakDbtp: round2(peak > 0 ? Math.max(SILENT_DB, gainToDb(peak)) : SILENT_DB),
    rangeLu: round2(range),
  };
}

/** A scratch directory for meter logs (and the working directory of the job that writes them). */
export async function withMeterDir<T>(work: (dir: string, read: (log: string) => Promise<Loudness>) => Promise<T>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-meter-'));
  try {
    return await work(dir, async (log) => parseLoudnessLog(await readFile(path.join(dir, log), 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures a whole file (its first audio stream). */
export function measureLoudness(tools: MediaTools, file: string, signal?: AbortSignal): Promise<Loudness> {
  return withMeterDir(async (dir, read) => {
    await runFfmpeg(tools, {
      inputs: [{ path: path.resolve(file) }],
      filterGraph: `[0:a]${meterChain('loudness.log')}[metered]`,
      outputOptions: ['-map', '[metered]', '-f', 'null'],
      output: os.devNull,
      cwd: dir,
      signal,
    });
    return read('loudness.log');
  });
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
