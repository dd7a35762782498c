import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';

/** Minimal solid-colour PNG (8-bit RGB) so emulated outputs are real, decodable images. */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export type Rgb = readonly [number, number, number];

export function solidPng(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * stride + 1 + x * 3; // filter byte 0 (none) at row start
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Stable colour derived from a prompt (and output index). */
export function colourFor(text: string, index = 0): Rgb {
  const h = createHash('sha256').update(`${index}:${text}`).digest();
  return [h[0]!, h[1]!, h[2]!];
}

/**
 * Image size: longest side = `base`, aspect from `aspect_ratio` ("9:16") or
 * width/height inputs; both sides rounded to even numbers (friendly to yuv420p).
 */
export function sizeFor(input: Record<string, unknown>, base: number): { width: number; height: number } {
  let aw = 1;
  let ah = 1;
  const ar = typeof input.aspect_ratio === 'string' ? /^(\d+):(\d+)$/.exec(input.aspect_ratio) : null;
  if (ar) {
    aw = Number(ar[1]);
    ah = Number(ar[2]);
  } else if (typeof input.width === 'number' && typeof input.height === 'number') {
    aw = input.width;
    ah = input.height;
  }
  if (!(aw > 0 && ah > 0)) aw = ah = 1;
  const scale = base / Math.max(aw, ah);
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(aw), height: even(ah) };
}
