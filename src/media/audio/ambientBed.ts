/**
 * An ambient music bed made offline with ffmpeg alone: a slow four-chord progression chosen by
 * the short's dominant mood, played by soft pads. It is deterministic (the same mood and length
 * give the same samples) and meant to sit under a voice, so everything about it is gentle:
 *
 * - every chord tone is a sine and a soft triangle detuned a few cents apart, differently left and
 *   right, so the pad beats slowly (under 1 Hz) and is wide; the root is a triangle underneath;
 * - chords swell in and out (each fades over a whole chord length while the next one rises), so
 *   nothing ever starts or stops abruptly;
 * - an octave shimmer on the top note breathes on a slow LFO (the "filter" opening and closing),
 *   a slow tremolo and a slow auto-pan keep it moving;
 * - a touch of lowpassed pink noise, multi-tap echoes for space, and a band limit of 45 Hz–4.5 kHz
 *   so it never competes with the consonants of speech.
 *
 * The pads are computed at 16 kHz (nothing in them is above 4 kHz) and resampled, which makes the
 * bed about 15× faster than realtime on one core.
 */
import type { Mood } from '../../domain/plan.js';
import type { FfmpegInput } from '../ffmpeg.js';
import { SAMPLE_RATE, exactLength, samplesFor } from './format.js';

interface MoodSound {
  /** Four chords, looped: each the bass note, then three pad tones (scientific pitch, C4 = middle C). */
  chords: string;
  /** How long each chord lasts (the crossfade to the next takes as long). */
  chordSec: number;
  /** Tremolo rate, Hz (ffmpeg's tremolo goes no slower than 0.1). */
  tremoloHz: number;
}

/** Progressions and tempi per mood; voicings stay between B♭1 and D5, under a voice. */
export const MOOD_SOUNDS: Record<Mood, MoodSound> = {
  // C: Cmaj7 – Am7 – Fmaj7 – G6
  calm: { chords: 'C3 G3 E4 B4 | A2 E3 C4 G4 | F2 A3 C4 E4 | G2 G3 B3 E4', chordSec: 8, tremoloHz: 0.12 },
  // F: Fmaj9 – Dm7 – B♭maj7 – C6
  warm: { chords: 'F2 A3 C4 G4 | D2 A3 C4 F4 | Bb2 A3 D4 F4 | C3 G3 E4 A4', chordSec: 7, tremoloHz: 0.15 },
  // G: G – D/F♯ – Em – Cadd9
  joyful: { chords: 'G2 B3 D4 G4 | F#2 A3 D4 F#4 | E2 B3 E4 G4 | C3 C4 E4 D5', chordSec: 5, tremoloHz: 0.25 },
  // A minor: Am(add9) – Fmaj7♯11 – Dm9 – E7
  mysterious: { chords: 'A2 B3 C4 E4 | F2 A3 B3 E4 | D2 A3 C4 E4 | E2 G#3 B3 D4', chordSec: 8, tremoloHz: 0.1 },
  // D minor, semitone steps: Dm – E♭ – Dm – C♯dim
  tense: { chords: 'D2 F3 A3 D4 | Eb2 G3 Bb3 Eb4 | D2 F3 A3 D4 | C#2 E3 G3 Bb3', chordSec: 5, tremoloHz: 0.3 },
  // A minor: Am – F – C – G
  sad: { chords: 'A2 A3 C4 E4 | F2 A3 C4 F4 | C3 G3 C4 E4 | G2 G3 B3 D4', chordSec: 9, tremoloHz: 0.1 },
  // D minor: Dm – B♭ – F – C (i – VI – III – VII)
  epic: { chords: 'D2 A3 D4 F4 | Bb1 Bb3 D4 F4 | F2 A3 C4 F4 | C2 G3 C4 E4', chordSec: 6, tremoloHz: 0.2 },
};

const PITCH_CLASS: Record<string, number> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/** "C4" → 261.63 Hz, "Bb1", "F#2": equal temperament, A4 = 440 Hz. */
export function noteHz(note: string): number {
  const match = /^([A-G])([#b]?)(\d)$/.exec(note);
  if (!match) throw new Error(`not a note: ${note}`);
  const midi =
    12 * (Number(match[3]) + 1) + PITCH_CLASS[match[1]!]! + (match[2] === '#' ? 1 : match[2] === 'b' ? -1 : 0);
  return 440 * 2 ** ((midi - 69) / 12);
}

/** The four chords of a progression, each as the frequencies of its four tones. */
function chordTones(sound: MoodSound): number[][] {
  return sound.chords.split('|').map((chord) => chord.trim().split(/\s+/).map(noteHz));
}

/**
 * The mood the bed follows: a mood named in the prompt wins, else the commonest scene mood (ties
 * go to the one that comes first in the story), else calm.
 */
export function dominantMood(moods: readonly Mood[], prompt?: string): Mood {
  const named = prompt?.toLowerCase().match(/\b(calm|warm|joyful|mysterious|tense|sad|epic)\b/)?.[1] as
    Mood | undefined;
  if (named) return named;
  const counts = new Map<Mood, number>();
  for (const mood of moods) counts.set(mood, (counts.get(mood) ?? 0) + 1);
  let best: Mood = 'calm';
  let bestCount = 0;
  for (const [mood, count] of counts) {
    if (count > bestCount) [best, bestCount] = [mood, count];
  }
  return best;
}

/** The rate the pads are computed at before resampling. */
const PAD_RATE = 16_000;
/** Detune factors of a tone's two oscillators, left and right (≈ ±1.5 cents: a beat slower than 1 Hz). */
const DETUNE = [
  [1.0009, 0.9991],
  [0.9993, 1.0012],
] as const;
const NOISE_SEED = 20240601;

const n = (x: number) => x.toFixed(4);

/**
 * One channel's pad as an aevalsrc expression. Two voices alternate: voice B plays chords 0 and 2,
 * peaking at t = 0, 2C, 4C…; voice A plays chords 1 and 3, peaking at C, 3C…; their envelopes are
 * cos² and sin² of πt/2C, so one rises exactly as the other falls, and a voice changes chord only
 * where its envelope is zero (no click, no glide).
 */
function padExpression(sound: MoodSound, side: 0 | 1): string {
  const C = sound.chordSec;
  const [up, down] = DETUNE[side];
  const chords = chordTones(sound);
  // Frequency of tone j of a voice that alternates between chords `a` and `b` (selector in ld(s)).
  const tone = (a: number, b: number, j: number, s: number) => {
    const fa = chords[a]![j]!;
    const fb = chords[b]![j]!;
    return `(${n(fa)}+ld(${s})*${n(fb - fa)})`;
  };
  const voice = (a: number, b: number, s: number) => {
    const terms = [`0.55*asin(sin(2*PI*${tone(a, b, 0, s)}*t))`];
    for (let j = 1; j <= 3; j++) {
      const f = tone(a, b, j, s);
      terms.push(`sin(2*PI*${f}*${up}*t)`, `0.5*asin(sin(2*PI*${f}*${down}*t))`);
    }
    // The shimmer: the top tone an octave up, opening and closing over ~20 s.
    terms.push(`(0.2+0.2*sin(2*PI*0.047*t+${side}))*sin(2*PI*2*${tone(a, b, 3, s)}*t)`);
    return terms.join('+');
  };
  return [
    `st(0,sin(PI*t/${2 * C})^2)`,
    `st(1,mod(floor(t/${2 * C}),2))`,
    `st(2,mod(floor((t+${C})/${2 * C}),2))`,
    `0.12*(ld(0)*(${voice(1, 3, 1)})+(1-ld(0))*(${voice(0, 2, 2)}))`,
  ].join(';');
}

export interface BedGraph {
  inputs: FfmpegInput[];
  filterGraph: string;
  /** The label of the finished bed in `filterGraph`. */
  output: string;
}

/**
 * The inputs and graph of a bed of exactly `durationSec`, 48 kHz stereo, around −20 LUFS with its
 * peaks near −10 dBTP (the mix sets its final level from a measurement anyway).
 */
export function ambientBedGraph(durationSec: number, mood: Mood): BedGraph {
  const sound = MOOD_SOUNDS[mood];
  const samples = samplesFor(durationSec);
  // A little longer than asked, so resampling and echoes never leave the end short.
  const seconds = (durationSec + 1).toFixed(3);
  const pads = `aevalsrc=exprs='${padExpression(sound, 0)}|${padExpression(sound, 1)}':s=${PAD_RATE}:d=${seconds}`;
  const noise = `anoisesrc=d=${seconds}:c=pink:r=${SAMPLE_RATE}:a=0.5:seed=${NOISE_SEED}`;
  const chains = [
    `[0:a]aresample=${SAMPLE_RATE},tremolo=f=${sound.tremoloHz}:d=0.18,apulsator=hz=0.03:amount=0.2[pads]`,
    `[1:a]lowpass=f=700,lowpass=f=700,tremolo=f=0.1:d=0.5,aformat=channel_layouts=stereo[air]`,
    `[pads][air]amix=inputs=2:weights='1 0.012':normalize=0,` +
      `aecho=0.85:0.6:131|199|293|421:0.3|0.24|0.18|0.12,highpass=f=45,lowpass=f=4500,${exactLength(samples)}[bed]`,
  ];
  return {
    inputs: [
      { path: pads, options: ['-f', 'lavfi'] },
      { path: noise, options: ['-f', 'lavfi'] },
    ],
    filterGraph: chains.join(';'),
    output: 'bed',
  };
}
