/**
 * The verifier of a soundtrack-pipeline WAV (a music bed, a finished soundtrack): the container's
 * sizes fit the file, it is 48 kHz stereo, it holds exactly the samples asked for, and ffmpeg
 * decodes it without a complaint. "Exactly" is meant: a bed or a mix is cut to the sample, so any
 * other count means something went wrong on the way.
 */
import { stat } from 'node:fs/promises';
import { IncompleteAssetError, type Verifier } from '../../storage/index.js';
import { decodeMedia, type MediaTools } from '../ffmpeg.js';
import { readHead, wavLayout } from '../verify.js';
import { CHANNELS, SAMPLE_RATE } from './format.js';

export interface WavFormat {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Sample frames (samples per channel) in the data chunk. */
  samples: number;
}

/** The format and length a WAV's header declares, checked against the file's size. */
export async function readWavFormat(file: string): Promise<WavFormat> {
  const { size } = await stat(file);
  const head = await readHead(file);
  const wav = wavLayout(head);
  if (wav.riffSize + 8 > size)
    throw incomplete(`the WAV header promises ${wav.riffSize + 8} bytes, the file has ${size}`);
  if (wav.dataOffset + 8 + wav.dataSize > size) throw incomplete('the WAV data chunk runs past the end of the file');
  const fmt = head.indexOf('fmt ', 12, 'latin1');
  if (fmt < 0 || fmt + 24 > head.length) throw incomplete('the WAV has no fmt chunk');
  const channels = head.readUInt16LE(fmt + 10);
  const blockAlign = head.readUInt16LE(fmt + 20);
  if (!channels || !blockAlign) throw incomplete('the WAV fmt chunk is empty');
  return {
    channels,
    sampleRate: head.readUInt32LE(fmt + 12),
    bitsPerSample: head.readUInt16LE(fmt + 22),
    samples: Math.floor(wav.dataSize / blockAlign),
  };
}

/** A whole 48 kHz stereo WAV of exactly `samples` sample frames. */
export function verifyWav(tools: MediaTools, expected: { samples: number }): Verifier {
  return async (file) => {
    const format = await readWavFormat(file);
    if (format.sampleRate !== SAMPLE_RATE || format.channels !== CHANNELS) {
      throw incomplete(`the WAV is ${format.sampleRate} Hz × ${format.channels}, not ${SAMPLE_RATE} Hz stereo`);
    }
    if (format.samples !== expected.samples) {
      throw incomplete(
        `the WAV holds ${format.samples} samples (${(format.samples / SAMPLE_RATE).toFixed(3)} s) ` +
          `instead of ${expected.samples} (${(expected.samples / SAMPLE_RATE).toFixed(3)} s)`,
      );
    }
    const decoded = await decodeMedia(tools, file);
    if (decoded.errors.length) throw incomplete(`the WAV does not decode: ${decoded.errors.slice(0, 3).join(' | ')}`);
  };
}

function incomplete(why: string): IncompleteAssetError {
  return new IncompleteAssetError(why);
}
