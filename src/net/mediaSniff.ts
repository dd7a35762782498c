/**
 * What a fetched body is, by its magic bytes: a safe fetch trusts these, never the Content-Type.
 */
import { SafeFetchError } from './safeFetchError.js';

export type MediaKind = 'audio' | 'image' | 'video';

/** Enough for every signature we look for (MPEG-TS wants two packets' sync bytes). */
export const SNIFF_BYTES = 512;

interface Signature {
  format: string;
  kinds: readonly MediaKind[];
  test(b: Buffer): boolean;
}

const ascii = (b: Buffer, at: number, text: string) =>
  b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;
const AUDIO: readonly MediaKind[] = ['audio'];
const AV: readonly MediaKind[] = ['audio', 'video'];
const IMAGE: readonly MediaKind[] = ['image'];
const VIDEO: readonly MediaKind[] = ['video'];

/** ISO base media brands that only ever hold audio, or a still image. */
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ']);
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']);

const SIGNATURES: Signature[] = [
  { format: 'wav', kinds: AUDIO, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE') },
  { format: 'aiff', kinds: AUDIO, test: (b) => ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC')) },
  { format: 'flac', kinds: AUDIO, test: (b) => ascii(b, 0, 'fLaC') },
  { format: 'mp3', kinds: AUDIO, test: (b) => ascii(b, 0, 'ID3') },
  // ADTS AAC: 12 sync bits, then layer 00.
  { format: 'aac', kinds: AUDIO, test: (b) => b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0 },
  // An MPEG audio frame: 11 sync bits, a defined version and a defined layer.
  {
    format: 'mp3',
    kinds: AUDIO,
    test: (b) =>
      b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0 && (b[1]! & 0x18) !== 0x08,
  },
  { format: 'ogg', kinds: AV, test: (b) => ascii(b, 0, 'OggS') },
  { format: 'matroska', kinds: AV, test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3 },
  {
    format: 'mp4',
    kinds: AUDIO,
    test: (b) => ascii(b, 4, 'ftyp') && AUDIO_BRANDS.has(b.toString('latin1', 8, 12)),
  },
  {
    format: 'heif',
    kinds: IMAGE,
    test: (b) => ascii(b, 4, 'ftyp') && IMAGE_BRANDS.has(b.toString('latin1', 8, 12)),
  },
  { format: 'mp4', kinds: AV, test: (b) => ascii(b, 4, 'ftyp') },
  { format: 'png', kinds: IMAGE, test: (b) => b.length >= 8 && b.readBigUInt64BE(0) === 0x89504e470d0a1a0an },
  { format: 'jpeg', kinds: IMAGE, test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'gif', kinds: IMAGE, test: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { format: 'webp', kinds: IMAGE, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { format: 'avi', kinds: VIDEO, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'AVI ') },
  { format: 'flv', kinds: VIDEO, test: (b) => ascii(b, 0, 'FLV\x01') },
  {
    format: 'mpegts',
    kinds: VIDEO,
    test: (b) => b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47,
  },
  { format: 'mpeg-ps', kinds: VIDEO, test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0x000001ba },
];

/** The format the first bytes of a body announce, if it is of a kind the caller accepts. */
export function sniff(head: Buffer, accept: readonly MediaKind[], url = ''): { format: string; kind: MediaKind } {
  if (head.length === 0) throw new SafeFetchError('WrongContent', `${url} sent an empty body`, false, { url });
  const found = SIGNATURES.find((s) => s.test(head));
  const kind = found?.kinds.find((k) => accept.includes(k));
  if (found && kind) return { format: found.format, kind };
  const what = found ? `${found.format} (${found.kinds.join(' or ')})` : 'not a media format we know';
  throw new SafeFetchError('WrongContent', `${url} is ${what} by its first bytes, not ${accept.join(' or ')}`, false, {
    url,
  });
}
