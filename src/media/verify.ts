/**
 * Verifiers: a staged asset is committed only once one of these has found it whole (see
 * `Storage.stage`). Each pairs a structural check of the container (sizes that add up to the file,
 * the end marker present) with a full decode, because either alone misses a case: espeak-ng on a
 * full disk leaves a WAV whose header matches its cut-off length, and ffmpeg exits 0 on a PNG whose
 * image data stops early (it only says so on stderr). Images decode in-process with sharp (libvips):
 * ~7 ms for a 1024² PNG against ~120 ms for an ffmpeg process, which at a pool's 20 images a second
 * was most of two cores (measured, bench:pool).
 */
import { open, readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { IncompleteAssetError, type Verifier, expectBytes } from '../storage/index.js';
import { countPackets, decodeMedia, type MediaTools, probeMedia } from './ffmpeg.js';
import { timestampFaults, videoPacketTimes } from './render/probe.js';

const incomplete = (why: string) => new IncompleteAssetError(why);

async function decodesCleanly(tools: MediaTools, file: string, what: string) {
  const decoded = await decodeMedia(tools, file);
  if (decoded.errors.length) throw incomplete(`the ${what} does not decode: ${decoded.errors.slice(0, 3).join(' | ')}`);
  return decoded;
}

// ---------------------------------------------------------------------------------------------
// Images (PNG from the offline art, PNG, JPEG or WebP from Replicate)

/**
 * A whole image: its container ends where it should, and it decodes without a warning (sharp's
 * `failOn: 'warning'` turns a truncated scan into an error). A format sharp cannot read is left to
 * ffmpeg, which reads more of them.
 */
export function verifyImage(tools: MediaTools, options: { expectedBytes?: number } = {}): Verifier {
  return async (file) => {
    if (options.expectedBytes !== undefined) await expectBytes(options.expectedBytes)(file);
    const data = await readFile(file);
    checkImageContainer(data);
    let pixels: number;
    try {
      const { info } = await sharp(data, { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS })
        .raw()
        .toBuffer({ resolveWithObject: true });
      pixels = info.width * info.height;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/unsupported image format/i.test(message)) throw incomplete(`the image does not decode: ${message}`);
      pixels = (await decodesCleanly(tools, file, 'image')).frames;
    }
    if (pixels < 1) throw incomplete('the image decodes to no picture');
  };
}

/** Larger than any model's output (flux at 2 MP, upscalers at 16 MP); a bomb past it is refused. */
const MAX_IMAGE_PIXELS = 100_000_000;

/** A whole audio file of any format (a provider's MP3, a music bed): all bytes, decodes, has a length. */
export function verifyAudio(tools: MediaTools, options: { expectedBytes?: number } = {}): Verifier {
  return async (file) => {
    if (options.expectedBytes !== undefined) await expectBytes(options.expectedBytes)(file);
    const decoded = await decodesCleanly(tools, file, 'audio');
    if (!(decoded.durationSec > 0)) throw incomplete('the audio decodes to nothing');
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function checkImageContainer(data: Buffer): void {
  if (data.length === 0) throw incomplete('the image is empty');
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return walkPng(data);
  if (data[0] === 0xff && data[1] === 0xd8) {
    let end = data.length;
    while (end > 2 && data[end - 1] === 0) end--; // some encoders pad after the end marker
    if (data[end - 2] !== 0xff || data[end - 1] !== 0xd9) throw incomplete('the JPEG ends before its EOI marker');
    return;
  }
  if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
    const declared = data.readUInt32LE(4) + 8;
    if (declared > data.length) throw incomplete(`the WebP declares ${declared} bytes but has ${data.length}`);
    return;
  }
  // Any other format is left to the decoder.
}

function walkPng(data: Buffer): void {
  for (let at = 8; at + 12 <= data.length;) {
    const type = data.toString('latin1', at + 4, at + 8);
    const end = at + 12 + data.readUInt32BE(at);
    if (end > data.length) throw incomplete(`the PNG's ${type} chunk runs past the end of the file`);
    if (type === 'IEND') return;
    at = end;
  }
  throw incomplete('the PNG ends before its IEND chunk');
}

// ---------------------------------------------------------------------------------------------
// Narration (WAV)

export interface WavLayout {
  /** The RIFF chunk's size field: the file's length minus 8. */
  riffSize: number;
  /** Offset of the `data` chunk's header; its samples start 8 bytes later. */
  dataOffset: number;
  /** The `data` chunk's size field. */
  dataSize: number;
}

/** Where a WAV's sizes live, from its first bytes (the `data` chunk header must be among them). */
export function wavLayout(head: Buffer): WavLayout {
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    throw incomplete('the narration is not a WAV file');
  }
  for (let at = 12; at + 8 <= head.length;) {
    const size = head.readUInt32LE(at + 4);
    if (head.toString('latin1', at, at + 4) === 'data') {
      return { riffSize: head.readUInt32LE(4), dataOffset: at, dataSize: size };
    }
    at += 8 + size + (size % 2);
  }
  throw incomplete('the WAV has no data chunk');
}

export async function readHead(file: string, bytes = 4096): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Speech is slower than this in every voice we ship: espeak-ng at 160 wpm speaks ~12 letters a
 * second (13 in Russian) and 2–5 Chinese, Japanese or Korean characters, and natural speech at
 * 200 wpm ~16 letters. A clip shorter than its text at these rates was cut off. A floor about half
 * of real speech: it catches a clip cut to a fraction of its text whose header was made to match
 * (what espeak-ng's own -w leaves on a full disk), not a missing last word.
 */
const MAX_LETTERS_PER_SECOND = 25;
const MAX_CJK_PER_SECOND = 8;

export function minimumSpeechSeconds(text: string): number {
  const cjk = text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu)?.length ?? 0;
  const letters = (text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) - cjk;
  return letters / MAX_LETTERS_PER_SECOND + cjk / MAX_CJK_PER_SECOND;
}

/** A whole narration of `text`: header sizes within the file, decodes cleanly, long enough for the text. */
export function verifyNarration(tools: MediaTools, { text }: { text: string }): Verifier {
  return async (file) => {
    const { size } = await stat(file);
    const wav = wavLayout(await readHead(file));
    if (wav.riffSize + 8 > size)
      throw incomplete(`the WAV header promises ${wav.riffSize + 8} bytes, the file has ${size}`);
    if (wav.dataOffset + 8 + wav.dataSize > size) throw incomplete('the WAV data chunk runs past the end of the file');
    if (wav.dataSize === 0) throw incomplete('the WAV has no samples');
    const { durationSec } = await decodesCleanly(tools, file, 'narration');
    const floor = minimumSpeechSeconds(text);
    if (!(durationSec > 0) || durationSec < floor) {
      throw incomplete(
        `the narration lasts ${durationSec.toFixed(2)} s, less than the ${floor.toFixed(2)} s its text needs at the least`,
      );
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Video (MP4)

/**
 * A whole render: its MP4 boxes end exactly at the end of the file, both streams are there, every
 * packet the index promises can be read (ffprobe -count_packets: no decode, so it costs a fraction
 * of a second), and each stream lasts the timeline's length.
 */
export function verifyVideo(tools: MediaTools, expected: { durationSec: number; fps: number }): Verifier {
  // One frame either way, and never less than 0.1 s: AAC ends on whole 1024-sample frames.
  const tolerance = Math.max(0.1, 1 / expected.fps + 1e-3);
  return async (file) => {
    await checkMp4Boxes(file);
    const count = await countPackets(tools, file);
    if (count.errors.length)
      throw incomplete(`the video does not read to its end: ${count.errors.slice(0, 3).join(' | ')}`);
    for (const type of ['video', 'audio'] as const) {
      const stream = count.streams.find((s) => s.type === type);
      if (!stream?.readPackets) throw incomplete(`the video has no ${type} stream`);
      if (stream.indexedPackets !== undefined && stream.readPackets !== stream.indexedPackets) {
        throw incomplete(`only ${stream.readPackets} of its ${stream.indexedPackets} ${type} packets can be read`);
      }
      if (Math.abs(stream.durationSec - expected.durationSec) > tolerance) {
        throw incomplete(
          `its ${type} lasts ${stream.durationSec.toFixed(3)} s instead of ${expected.durationSec.toFixed(3)} s`,
        );
      }
    }
  };
}

/**
 * A whole joined render (joinSegments): everything verifyVideo checks, and its video has exactly the
 * timeline's frames, each one frame after the last (no frame duplicated, missing or shifted at a join).
 */
export function verifyJoinedVideo(
  tools: MediaTools,
  expected: { durationSec: number; fps: number; frames: number },
): Verifier {
  const whole = verifyVideo(tools, expected);
  return async (file) => {
    await whole(file);
    const times = await videoPacketTimes(tools, file);
    if (times.pts.length !== expected.frames)
      throw incomplete(`the video has ${times.pts.length} frames instead of the timeline's ${expected.frames}`);
    const faults = timestampFaults(times, expected.fps);
    if (faults.length) throw incomplete(`its frames do not follow one another: ${faults.slice(0, 3).join(' | ')}`);
  };
}

/**
 * One encoded segment of a render: MP4 boxes whole, one video stream and nothing else, exactly
 * `frames` packets that can all be read, lasting frames ÷ fps.
 */
export function verifySegment(tools: MediaTools, expected: { frames: number; fps: number }): Verifier {
  return async (file) => {
    await checkMp4Boxes(file);
    const count = await countPackets(tools, file);
    if (count.errors.length)
      throw incomplete(`the segment does not read to its end: ${count.errors.slice(0, 3).join(' | ')}`);
    const [video, ...others] = count.streams;
    if (!video || video.type !== 'video' || others.length) throw incomplete('the segment is not one video stream');
    if (video.readPackets !== expected.frames || (video.indexedPackets ?? video.readPackets) !== expected.frames)
      throw incomplete(`the segment has ${video.readPackets} frames instead of ${expected.frames}`);
    const durationSec = expected.frames / expected.fps;
    if (Math.abs(video.durationSec - durationSec) > 0.5 / expected.fps)
      throw incomplete(`the segment lasts ${video.durationSec.toFixed(3)} s instead of ${durationSec.toFixed(3)} s`);
  };
}

/**
 * A whole video clip (a video model's MP4): its boxes end where the file does, it has an H.264
 * video stream, and every frame decodes without a complaint. Its audio, if any, is never used.
 */
export function verifyClip(tools: MediaTools, options: { expectedBytes?: number } = {}): Verifier {
  return async (file) => {
    if (options.expectedBytes !== undefined) await expectBytes(options.expectedBytes)(file);
    await checkMp4Boxes(file);
    const probe = await probeMedia(tools, file).catch((err: unknown) => {
      throw incomplete(`the clip cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    });
    const video = probe.streams.find((s) => s.type === 'video');
    if (!video) throw incomplete('the clip has no video stream');
    if (video.codec !== 'h264') throw incomplete(`the clip is ${video.codec || 'an unknown codec'}, not H.264`);
    const decoded = await decodesCleanly(tools, file, 'clip');
    if (decoded.frames < 1) throw incomplete('the clip decodes to no picture');
  };
}

/** Walks the top-level boxes: a cut-off file has a last box that runs past its end. */
async function checkMp4Boxes(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const seen = new Set<string>();
    const header = Buffer.alloc(16);
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(header, 0, 16, at);
      if (bytesRead < 8) throw incomplete('the MP4 ends inside a box header');
      const type = header.toString('latin1', 4, 8);
      const small = header.readUInt32BE(0);
      const boxSize =
        small === 1 && bytesRead === 16 ? Number(header.readBigUInt64BE(8)) : small === 0 ? size - at : small;
      if (boxSize < 8) throw incomplete(`the MP4 has a malformed ${type} box`);
      if (at + boxSize > size) throw incomplete(`the MP4's ${type} box runs past the end of the file`);
      seen.add(type);
      at += boxSize;
    }
    for (const needed of ['moov', 'mdat']) if (!seen.has(needed)) throw incomplete(`the MP4 has no ${needed} box`);
  } finally {
    await handle.close();
  }
}
