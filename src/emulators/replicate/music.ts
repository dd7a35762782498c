/**
 * Music outputs: an instrumental bed of exactly `duration` seconds, a chord of soft, slowly
 * breathing sine and triangle pads, each voice detuned a little against itself (and differently
 * left and right). Everything (root, chord, detune, breathing) is drawn from the prompt's hash, so
 * one prompt always sounds the same. 48 kHz, stereo for MusicGen's stereo variants.
 */
import { createHash } from 'node:crypto';
import type { MusicProfile } from './models.js';
import type { Workspace } from './tools.js';

export const MUSIC_SAMPLE_RATE = 48_000;
const MIN_SECONDS = 1;
/** Root notes (Hz) from A2 to G3: low enough to sit under a voice. */
const ROOTS = [110, 116.54, 123.47, 130.81, 138.59, 146.83, 155.56, 164.81, 174.61, 185, 196];
/** Chords as semitone offsets: major, minor, sus2, major 7, minor 7. */
const CHORDS = [
  [0, 4, 7, 12],
  [0, 3, 7, 12],
  [0, 2, 7, 14],
  [0, 4, 7, 11],
  [0, 3, 7, 10],
];

export interface MusicRequest {
  seconds: number;
  format: 'wav' | 'mp3';
  channels: 1 | 2;
}

function read<T>(
  input: Record<string, unknown>,
  field: string | undefined,
  fallback: T,
  ok: (v: unknown) => boolean,
): T {
  const v = field === undefined ? undefined : input[field];
  return v !== undefined && v !== null && ok(v) ? (v as T) : fallback;
}

export function musicRequest(profile: MusicProfile, input: Record<string, unknown>): MusicRequest {
  const seconds = read(input, profile.duration.field, profile.duration.default, (v) => typeof v === 'number' && v > 0);
  const format = read(input, profile.format.field, profile.format.default, (v) => v === 'wav' || v === 'mp3');
  const variant = read(input, profile.variant.field, profile.variant.default, (v) => typeof v === 'string');
  return { seconds: Math.max(MIN_SECONDS, seconds), format, channels: variant.startsWith('stereo') ? 2 : 1 };
}

const n = (x: number) => x.toFixed(5);

/** One channel's aevalsrc expression: each chord tone a sine + a detuned triangle, breathing. */
function channelExpr(bytes: Buffer, freqs: number[], side: number): string {
  const voices = freqs.map((f, i) => {
    const b = bytes[4 + i * 3 + side]!;
    const detune = 1 + (0.002 + (b / 255) * 0.004) * (side ? 1 : -1);
    const rate = 0.05 + (bytes[20 + i]! / 255) * 0.15;
    const phase = (bytes[26 + i]! / 255) * 2 * Math.PI;
    const sine = `sin(2*PI*${n(f)}*t)`;
    const tri = `0.6*(2/PI)*asin(sin(2*PI*${n(f * detune)}*t))`;
    return `(0.65+0.35*sin(2*PI*${n(rate)}*t+${n(phase)}))*(${sine}+${tri})`;
  });
  return `0.12*(${voices.join('+')})`;
}

export async function renderMusic(ws: Workspace, prompt: string, req: MusicRequest): Promise<Buffer> {
  const bytes = createHash('sha256').update(`musicgen\0${prompt}`).digest();
  const root = ROOTS[bytes[0]! % ROOTS.length]!;
  const chord = CHORDS[bytes[1]! % CHORDS.length]!;
  const freqs = chord.map((semi) => root * 2 ** (semi / 12));
  const exprs = Array.from({ length: req.channels }, (_, side) => channelExpr(bytes, freqs, side)).join('|');
  const layout = req.channels === 2 ? 'stereo' : 'mono';
  const fadeIn = Math.min(1, req.seconds / 4);
  const fadeOut = Math.min(2, req.seconds / 3);
  const out = `music.${req.format}`;
  await ws.ffmpeg({
    inputs: [
      {
        path: `aevalsrc=exprs='${exprs}':channel_layout=${layout}:sample_rate=${MUSIC_SAMPLE_RATE}:duration=${req.seconds + 1}`,
        options: ['-f', 'lavfi'],
      },
    ],
    outputOptions: [
      '-af',
      `afade=t=in:d=${n(fadeIn)},afade=t=out:st=${n(req.seconds - fadeOut)}:d=${n(fadeOut)}`,
      // Cut at the exact sample: duration × rate samples, no more, no fewer.
      '-t',
      String(req.seconds),
      '-ar',
      String(MUSIC_SAMPLE_RATE),
      '-ac',
      String(req.channels),
      '-map_metadata',
      '-1',
      ...(req.format === 'mp3'
        ? ['-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3']
        : ['-c:a', 'pcm_s16le', '-f', 'wav']),
    ],
    output: out,
  });
  return ws.read(out);
}
