/**
 * `output_format` values (codec_samplerate[_bitrate], as the API names them) → ffmpeg output
 * options and the response Content-Type. The list is the official client's
 * TextToSpeechConvertWithTimestampsRequestOutputFormat enum; the service rejects anything else.
 */

export interface OutputFormat {
  name: string;
  sampleRate: number;
  /** ffmpeg options after the input, up to (not including) the output file. */
  ffmpegArgs: string[];
  contentType: string;
  extension: string;
}

export const DEFAULT_OUTPUT_FORMAT = 'mp3_44100_128';

const MP3 = ['22050_32', '24000_48', '44100_32', '44100_64', '44100_96', '44100_128', '44100_192'];
const PCM_RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000];
const OPUS_BITRATES = [32, 64, 96, 128, 192];

/** Every name the API accepts (for the 422 message and for tests). */
export const OUTPUT_FORMATS: readonly string[] = [
  ...MP3.map((s) => `mp3_${s}`),
  ...PCM_RATES.map((r) => `pcm_${r}`),
  ...PCM_RATES.map((r) => `wav_${r}`),
  ...OPUS_BITRATES.map((b) => `opus_48000_${b}`),
  'ulaw_8000',
  'alaw_8000',
];

/** Per codec: ffmpeg encoder options (given the bitrate part of the name), Content-Type, file extension. */
const CODECS: Record<string, { args: (kbps?: string) => string[]; contentType: string; extension: string }> = {
  mp3: {
    args: (kbps) => ['-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-f', 'mp3'],
    contentType: 'audio/mpeg',
    extension: 'mp3',
  },
  opus: {
    args: (kbps) => ['-c:a', 'libopus', '-b:a', `${kbps}k`, '-f', 'ogg'],
    contentType: 'audio/ogg',
    extension: 'ogg',
  },
  // Raw little-endian 16-bit samples, no header: what the API sends for pcm_*.
  pcm: { args: () => ['-c:a', 'pcm_s16le', '-f', 's16le'], contentType: 'audio/pcm', extension: 'pcm' },
  wav: { args: () => ['-c:a', 'pcm_s16le', '-f', 'wav'], contentType: 'audio/wav', extension: 'wav' },
  ulaw: { args: () => ['-c:a', 'pcm_mulaw', '-f', 'mulaw'], contentType: 'audio/basic', extension: 'ulaw' },
  alaw: { args: () => ['-c:a', 'pcm_alaw', '-f', 'alaw'], contentType: 'audio/alaw', extension: 'alaw' },
};

export function parseOutputFormat(name: string): OutputFormat | undefined {
  if (!OUTPUT_FORMATS.includes(name)) return undefined;
  const [codec, rate, kbps] = name.split('_') as [string, string, string | undefined];
  const { args, contentType, extension } = CODECS[codec]!;
  // Mono, no metadata, bit-exact: the same request must give the same bytes.
  const ffmpegArgs = ['-ac', '1', '-ar', rate, '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact'];
  return { name, sampleRate: Number(rate), ffmpegArgs: [...ffmpegArgs, ...args(kbps)], contentType, extension };
}
