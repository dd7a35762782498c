/**
 * The one audio format the soundtrack pipeline works in: 48 kHz stereo, counted in samples so
 * that "exactly N seconds long" means exactly round(N × 48000) samples per channel.
 */
export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

export function samplesFor(seconds: number): number {
  return Math.round(seconds * SAMPLE_RATE);
}

/** Any input to 48 kHz stereo float, the format every soundtrack chain runs in. */
export const TO_STEREO_48K = `aresample=${SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;

/** Pads with silence or cuts to exactly `samples` samples. */
export function exactLength(samples: number): string {
  return `apad=whole_len=${samples},atrim=end_sample=${samples}`;
}

/** Places a clip at `startSec` on the timeline (silence before it), in the soundtrack format. */
export function placedClip(inputIndex: number, startSec: number): string {
  return `[${inputIndex}:a]${TO_STEREO_48K},adelay=${Math.round(startSec * 1000)}:all=1`;
}

/** Output options of a WAV we keep: 16-bit PCM, 48 kHz stereo, no encoder tag (byte-stable). */
export const WAV_OUTPUT = [
  '-c:a',
  'pcm_s16le',
  '-ar',
  String(SAMPLE_RATE),
  '-ac',
  String(CHANNELS),
  '-flags',
  '+bitexact',
  '-fflags',
  '+bitexact',
  '-map_metadata',
  '-1',
  '-f',
  'wav',
];

/** Output options of an intermediate WAV: 32-bit float, so no level is clipped before the last stage. */
export const FLOAT_WAV_OUTPUT = ['-c:a', 'pcm_f32le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-f', 'wav'];

export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}

export function gainToDb(gain: number): number {
  return 20 * Math.log10(gain);
}
