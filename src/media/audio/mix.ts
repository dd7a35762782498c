/**
 * A soundtrack from a timeline, its narration clips and an optional music bed, in three steps:
 *
 * 1. `planSoundtrack` measures the placed narration and the bed (EBU R128, gated) and sets their
 *    gains: the voice at SPEECH_MIX_LUFS, the bed `20·log10(volume)` dB under it (0.3 → −10.5 dB)
 *    before ducking. So the balance does not depend on how loud a voice or a track was made.
 * 2. `renderSoundtrack` mixes (buildSoundtrackGraph: placement, ducking, fades) into a float
 *    premix, metering it on the way;
 * 3. and normalises the premix to the delivery target (−14 LUFS, ≤ −1 dBTP) with a measured gain
 *    and a true-peak limiter, metering what it writes (normalizeLoudness).
 */
import os from 'node:os';
import path from 'node:path';
import type { Timeline } from '../../domain/timeline.js';
import { type MediaTools, runFfmpeg } from '../ffmpeg.js';
import { FLOAT_WAV_OUTPUT, gainToDb, samplesFor } from './format.js';
import { LOUDNESS_TARGET, type Loudness, measureLoudness, meterChain, withMeterDir } from './loudness.js';
import { normalizeLoudness } from './normalize.js';
import { type SoundtrackSpec, buildSoundtrackGraph } from './soundtrackGraph.js';

/** The voice's level in the premix; the final gain moves everything to the target together. */
export const SPEECH_MIX_LUFS = -18;
/** Below this a stem is silence: no gain is derived from it. */
const SILENCE_LUFS = -60;
/** No stem is raised by more than this (a nearly silent track would only bring up its noise). */
const MAX_STEM_GAIN_DB = 30;

export interface SoundtrackSources {
  timeline: Timeline;
  /** One clip per timeline scene, in order. */
  narrationPaths: string[];
  musicPath?: string;
  /** The bed's level under the voice before ducking, 0 to 1 (amplitude). */
  musicVolume: number;
}

export async function planSoundtrack(
  tools: MediaTools,
  sources: SoundtrackSources,
  signal?: AbortSignal,
): Promise<SoundtrackSpec> {
  const { timeline } = sources;
  if (sources.narrationPaths.length !== timeline.scenes.length) {
    throw new Error(`${sources.narrationPaths.length} narration clips for ${timeline.scenes.length} scenes`);
  }
  const narration = timeline.scenes.map((scene, i) => ({
    path: sources.narrationPaths[i]!,
    startSec: scene.narrationStartSec,
    durationSec: scene.narrationDurationSec,
  }));
  const base: SoundtrackSpec = { totalSec: timeline.totalSec, narration, narrationGainDb: 0 };
  const voice = await measureGraph(tools, { ...base, stem: 'placed-narration' }, signal);
  const spec: SoundtrackSpec = { ...base, narrationGainDb: stemGain(SPEECH_MIX_LUFS, voice) };
  if (sources.musicPath && sources.musicVolume > 0) {
    const music = await measureLoudness(tools, sources.musicPath, signal);
    if (music.integratedLufs > SILENCE_LUFS) {
      const level = SPEECH_MIX_LUFS + gainToDb(Math.min(1, sources.musicVolume));
      spec.music = { path: sources.musicPath, gainDb: stemGain(level, music) };
    }
  }
  return spec;
}

function stemGain(targetLufs: number, measured: Loudness): number {
  if (measured.integratedLufs <= SILENCE_LUFS) return 0;
  return Math.min(MAX_STEM_GAIN_DB, targetLufs - measured.integratedLufs);
}

/** Runs a graph to nowhere and meters its output. */
function measureGraph(tools: MediaTools, spec: SoundtrackSpec, signal?: AbortSignal): Promise<Loudness> {
  const graph = buildSoundtrackGraph(spec);
  return withMeterDir(async (dir, read) => {
    await runFfmpeg(tools, {
      inputs: graph.inputs,
      filterGraph: `${graph.filterGraph};[${graph.output}]${meterChain('stem.log')}[metered]`,
      outputOptions: ['-map', '[metered]', '-f', 'null'],
      output: os.devNull,
      cwd: dir,
      signal,
    });
    return read('stem.log');
  });
}

export interface RenderSoundtrackJob {
  spec: SoundtrackSpec;
  /** Scratch path for the float premix (the caller removes it). */
  premixPath: string;
  /** The finished 16-bit WAV. */
  output: string;
  signal?: AbortSignal;
  /** 0..1 as the mix and then each normalisation pass run. */
  onProgress?: (fraction: number) => void;
}

export interface RenderedSoundtrack {
  premix: Loudness;
  final: Loudness;
}

/** Mixes and normalises; returns what the meters read on the premix and on the written file. */
export async function renderSoundtrack(tools: MediaTools, job: RenderSoundtrackJob): Promise<RenderedSoundtrack> {
  const graph = buildSoundtrackGraph(job.spec);
  const premix = await withMeterDir(async (dir, read) => {
    await runFfmpeg(tools, {
      inputs: graph.inputs,
      filterGraph: `${graph.filterGraph};[${graph.output}]asplit[out][m];[m]${meterChain('premix.log')},anullsink`,
      outputOptions: ['-map', '[out]', ...FLOAT_WAV_OUTPUT, '-y'],
      output: path.resolve(job.premixPath),
      cwd: dir,
      signal: job.signal,
      expectedDurationSec: job.spec.totalSec,
      onProgress: (fraction) => job.onProgress?.(fraction * 0.6),
    });
    return read('premix.log');
  });
  const final = await normalizeLoudness(tools, {
    input: job.premixPath,
    measured: premix,
    output: job.output,
    samples: samplesFor(job.spec.totalSec),
    target: LOUDNESS_TARGET,
    signal: job.signal,
    onPass: (pass) => job.onProgress?.(Math.min(0.95, 0.6 + pass * 0.15)),
  });
  return { premix, final };
}
