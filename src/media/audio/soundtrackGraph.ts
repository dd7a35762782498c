/**
 * The soundtrack mix as one ffmpeg graph: every narration clip placed at its scene's time on one
 * voice stem, the music bed under it with fades at both ends, ducked while the voice speaks.
 *
 * Ducking is volume automation from the known narration intervals, not a sidechain compressor:
 * the timeline says to the millisecond when each clip speaks, so the bed starts to dip before the
 * first syllable (a compressor only reacts after it), stays down through the pauses between words
 * (a compressor pumps there), and dips by the same depth whatever the voice's level. Intervals
 * closer than `bridgeSec` are joined, so the bed does not swell for half a second between scenes.
 *
 * The same builder renders either stem alone (`stem`), through the same chains, so tests (and
 * anyone tuning the mix) can measure the bed exactly as it sits in the mix.
 */
import type { FfmpegInput } from '../ffmpeg.js';
import { TO_STEREO_48K, exactLength, placedClip, samplesFor } from './format.js';

export interface NarrationClip {
  path: string;
  /** Where the clip starts on the timeline. */
  startSec: number;
  durationSec: number;
}

export interface SoundtrackSpec {
  totalSec: number;
  narration: NarrationClip[];
  /** Gain that brings the narration stem to its mixing level, dB. */
  narrationGainDb: number;
  /** The bed and the gain that brings it to its level under the voice (before ducking), dB. */
  music?: { path: string; gainDb: number };
  /**
   * `mix` (default), or one stem alone through the same chains; `placed-narration` is the clips
   * on the timeline before gain and processing, what the narration gain is measured on.
   */
  stem?: 'mix' | 'music' | 'narration' | 'placed-narration';
}

export interface SoundtrackGraph {
  inputs: FfmpegInput[];
  filterGraph: string;
  /** Label of the finished audio in `filterGraph`. */
  output: string;
}

export const DUCKING = {
  /** How far the bed dips under the voice. */
  depthDb: 12,
  /** The dip starts this long before a clip speaks and is fully down when it does. */
  attackSec: 0.3,
  /** After a clip ends the bed comes back up over this long. */
  releaseSec: 0.45,
  /**
   * Pauses shorter than this between clips stay ducked. Longer ones (a scene change: tail, the
   * transition and the next lead, about 1 s with the default cross-fade) let the bed swell with
   * the picture's transition; a hard cut (under 0.5 s) stays down.
   */
  bridgeSec: 0.8,
  /** Gain steps of the automation: 256 samples (5.3 ms) at 48 kHz, too fine to hear. */
  stepSamples: 256,
} as const;

export const MUSIC_FADES = { inSec: 1.5, outSec: 2 } as const;

/**
 * The voice stem's processing after its gain: rumble out, then a gentle compressor that evens out
 * syllables and lowers the peaks that would otherwise have to be limited at the end.
 */
const VOICE_CHAIN = 'highpass=f=70,acompressor=threshold=0.1:ratio=2.5:attack=8:release=150:knee=4:makeup=1';

export function buildSoundtrackGraph(spec: SoundtrackSpec): SoundtrackGraph {
  const stem = spec.stem ?? 'mix';
  const samples = samplesFor(spec.totalSec);
  const inputs: FfmpegInput[] = [];
  const chains: string[] = [];

  const withVoice = stem !== 'music';
  const withMusic = (stem === 'mix' || stem === 'music') && spec.music !== undefined;
  if (withVoice) {
    const labels = spec.narration.map((clip, i) => {
      inputs.push({ path: clip.path });
      chains.push(`${placedClip(i, clip.startSec)}[n${i}]`);
      return `[n${i}]`;
    });
    const join = labels.length > 1 ? `amix=inputs=${labels.length}:normalize=0:dropout_transition=0,` : '';
    // No clips at all (a story of silence) still makes a stem of the right length.
    const source = labels.length ? `${labels.join('')}${join}` : `anullsrc=r=48000:cl=stereo,`;
    const placed = `${source}${exactLength(samples)}`;
    if (stem === 'placed-narration') chains.push(`${placed}[voice]`);
    else chains.push(`${placed},volume=${db(spec.narrationGainDb)},${VOICE_CHAIN}[voice]`);
  }
  if (withMusic) {
    const index = inputs.length;
    // Looped, so a bed shorter than the timeline still covers it; cut to length below.
    inputs.push({ path: spec.music!.path, options: ['-stream_loop', '-1'] });
    const duck = duckingGain(spec.narration);
    chains.push(
      `[${index}:a]${TO_STEREO_48K},${exactLength(samples)},volume=${db(spec.music!.gainDb)},` +
        (duck ? `asetnsamples=n=${DUCKING.stepSamples}:p=0,volume=eval=frame:volume='${duck}',` : '') +
        fades(spec.totalSec) +
        '[bed]',
    );
  }

  if (withVoice && withMusic) {
    chains.push('[voice][bed]amix=inputs=2:normalize=0:duration=first[mix]');
    return { inputs, filterGraph: chains.join(';'), output: 'mix' };
  }
  if (withVoice) return { inputs, filterGraph: chains.join(';'), output: 'voice' };
  if (withMusic) return { inputs, filterGraph: chains.join(';'), output: 'bed' };
  throw new Error('a music stem needs music');
}

function db(value: number): string {
  return `${value.toFixed(2)}dB`;
}

function fades(totalSec: number): string {
  const fadeIn = Math.min(MUSIC_FADES.inSec, totalSec / 2);
  const fadeOut = Math.min(MUSIC_FADES.outSec, totalSec / 2);
  return (
    `afade=t=in:d=${fadeIn.toFixed(3)}:curve=hsin,` +
    `afade=t=out:st=${(totalSec - fadeOut).toFixed(3)}:d=${fadeOut.toFixed(3)}:curve=hsin`
  );
}

/** Spans where the bed is ducked: the clips, with short pauses between them bridged. */
export function duckedSpans(clips: readonly NarrationClip[]): { startSec: number; endSec: number }[] {
  const sorted = clips
    .filter((c) => c.durationSec > 0)
    .map((c) => ({ startSec: c.startSec, endSec: c.startSec + c.durationSec }))
    .sort((a, b) => a.startSec - b.startSec);
  const spans: { startSec: number; endSec: number }[] = [];
  for (const span of sorted) {
    const last = spans.at(-1);
    if (last && span.startSec - last.endSec < DUCKING.bridgeSec) last.endSec = Math.max(last.endSec, span.endSec);
    else spans.push({ ...span });
  }
  return spans;
}

/**
 * The bed's gain over time as an ffmpeg expression of `t`: 1 outside speech, −depthDb inside it,
 * with raised-cosine ramps (no corner to hear) over attackSec before and releaseSec after.
 * Bridged spans are at least bridgeSec apart, more than a ramp pair, so their ramps never overlap
 * and the sum of the windows stays within 0..1.
 */
export function duckingGain(clips: readonly NarrationClip[]): string | undefined {
  const spans = duckedSpans(clips);
  if (!spans.length) return undefined;
  const { attackSec: A, releaseSec: R, depthDb } = DUCKING;
  const ramp = (x: string) => `(0.5-0.5*cos(PI*clip(${x},0,1)))`;
  const windows = spans.map(({ startSec, endSec }) => {
    const down = ramp(`(t-${(startSec - A).toFixed(3)})/${A}`);
    const up = ramp(`(${(endSec + R).toFixed(3)}-t)/${R}`);
    return `${down}*${up}`;
  });
  return `pow(10,${(-depthDb / 20).toFixed(4)}*(${windows.join('+')}))`;
}
