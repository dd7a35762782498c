/**
 * Loudness normalisation by measurement: measure, apply the gain that lands on the integrated
 * target, catch the peaks that gain pushes over the ceiling with a lookahead limiter, and measure
 * what was written. A pass that misses (the limiter took loudness away, or an inter-sample peak
 * got past it) is corrected from its own measurement and run again; in practice the first or
 * second pass lands within 0.2 LU and under the ceiling.
 *
 * Why not loudnorm: its one-pass mode is dynamic (it rides the gain, audibly on speech), and its
 * two-pass linear mode silently falls back to dynamic whenever the gain would push the true peak
 * over the target, which speech-led mixes at −14 LUFS almost always do. Here the only dynamics
 * are the limiter's, on peaks alone.
 */
import path from 'node:path';
import { type MediaTools, runFfmpeg } from '../ffmpeg.js';
import { WAV_OUTPUT, dbToGain, exactLength } from './format.js';
import { type Loudness, meterChain, withMeterDir } from './loudness.js';

export interface LoudnessTarget {
  integratedLufs: number;
  truePeakDbtp: number;
}

export interface NormalizeJob {
  /** A WAV (float, so nothing is clipped yet) and its measurement. */
  input: string;
  measured: Loudness;
  /** The 16-bit WAV to write. */
  output: string;
  /** The output's exact length, in samples. */
  samples: number;
  target: LoudnessTarget;
  signal?: AbortSignal;
  /** Called before each pass with its number (1, 2, …). */
  onPass?: (pass: number) => void;
}

/** How close a pass must land: integrated within this many LU, peaks at or under the ceiling. */
export const LOUDNESS_TOLERANCE_LU = 0.3;
const MAX_PASSES = 4;
const SILENCE_LUFS = -60;
/** The limiter's ceiling starts this far under the true-peak target: inter-sample peaks overshoot it. */
const FIRST_MARGIN_DB = 0.5;

export function normalizeLoudness(tools: MediaTools, job: NormalizeJob): Promise<Loudness> {
  return withMeterDir(async (dir, read) => {
    // Silence stays silence: there is no loudness to move, and a gain would only raise the dither.
    const silent = job.measured.integratedLufs <= SILENCE_LUFS;
    let gainDb = silent ? 0 : job.target.integratedLufs - job.measured.integratedLufs;
    let ceilingDb = job.target.truePeakDbtp - FIRST_MARGIN_DB;
    let result: Loudness | undefined;
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      job.onPass?.(pass);
      const log = `pass-${pass}.log`;
      await runFfmpeg(tools, {
        inputs: [{ path: path.resolve(job.input) }],
        filterGraph:
          `[0:a]volume=${gainDb.toFixed(2)}dB,${limiter(ceilingDb)},aformat=sample_fmts=s16,` +
          `${exactLength(job.samples)},asplit[out][m];[m]${meterChain(log)},anullsink`,
        outputOptions: ['-map', '[out]', ...WAV_OUTPUT, '-y'],
        output: path.resolve(job.output),
        cwd: dir,
        signal: job.signal,
      });
      result = await read(log);
      const loudnessOff = job.target.integratedLufs - result.integratedLufs;
      const peakOver = result.truePeakDbtp - job.target.truePeakDbtp;
      if (silent || (Math.abs(loudnessOff) <= LOUDNESS_TOLERANCE_LU && peakOver <= 0)) return result;
      gainDb += loudnessOff;
      if (peakOver > -0.2) ceilingDb -= peakOver + 0.3;
    }
    return result!;
  });
}

/**
 * A lookahead limiter (5 ms attack, delay compensated) run at 4× the sample rate, so it sees the
 * peaks between samples that a true-peak meter sees, and back to 48 kHz.
 */
function limiter(ceilingDb: number): string {
  const limit = Math.min(1, Math.max(0.0625, dbToGain(ceilingDb)));
  return `aresample=192000,alimiter=limit=${limit.toFixed(4)}:attack=5:release=80:level=0:latency=1,aresample=48000`;
}
