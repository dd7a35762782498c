import { deflateSync } from 'node:zlib';

/**
 * Minimal, dependency-free PNG encoder (8-bit RGB, non-interlaced) plus a
 * tiny IHDR reader. Pure TypeScript + node:zlib.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as used by PNG) over one or more byte ranges. */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const buf of parts) {
    for (let i = 0; i < buf.length; i++) {
      c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export type PngFilter = 'none' | 'sub' | 'up' | 'adaptive';

export interface EncodePngOptions {
  /**
   * Scanline filter. 'sub' (the default) is fast and compresses smooth,
   * gradient-heavy art best in practice; 'adaptive' picks sub/up per row by
   * the minimum-sum-of-absolute-differences heuristic (better for photos).
   */
  filter?: PngFilter;
  /** zlib deflate level, 0–9 (default 6). */
  level?: number;
}

function filterSub(rgb: Uint8Array, src: number, raw: Buffer, dst: number, stride: number): void {
  raw[dst] = 1;
  raw[dst + 1] = rgb[src]!;
  raw[dst + 2] = rgb[src + 1]!;
  raw[dst + 3] = rgb[src + 2]!;
  for (let i = 3; i < stride; i++) raw[dst + 1 + i] = rgb[src + i]! - rgb[src + i - 3]!;
}

function filterUp(rgb: Uint8Array, src: number, raw: Buffer, dst: number, stride: number): void {
  raw[dst] = 2;
  const prev = src - stride;
  for (let i = 0; i < stride; i++) raw[dst + 1 + i] = rgb[src + i]! - rgb[prev + i]!;
}

/** Sum of |residual| (as signed bytes) for 'sub' minus the same for 'up'. */
function subMinusUpCost(rgb: Uint8Array, src: number, stride: number): number {
  const prev = src - stride;
  let cost = 0;
  for (let i = 0; i < stride; i++) {
    const v = rgb[src + i]!;
    const ds = (v - (i >= 3 ? rgb[src + i - 3]! : 0)) & 0xff;
    const du = (v - rgb[prev + i]!) & 0xff;
    cost += (ds < 128 ? ds : 256 - ds) - (du < 128 ? du : 256 - du);
  }
  return cost;
}

/** Encode `width*height*3` bytes of packed RGB as a PNG file. */
export function encodePng(width: number, height: number, rgb: Uint8Array, opts: EncodePngOptions = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: invalid size ${width}x${height}`);
  }
  const stride = width * 3;
  if (rgb.length !== stride * height) {
    throw new RangeError(`encodePng: expected ${stride * height} bytes for ${width}x${height} RGB, got ${rgb.length}`);
  }
  const filter = opts.filter ?? 'sub';

  // Each scanline = 1 filter-type byte + filtered bytes (Buffer stores wrap mod 256).
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const src = y * stride;
    const dst = y * (stride + 1);
    if (filter === 'none') {
      raw[dst] = 0;
      raw.set(rgb.subarray(src, src + stride), dst + 1);
    } else if (filter === 'sub' || y === 0) {
      filterSub(rgb, src, raw, dst, stride);
    } else if (filter === 'up' || subMinusUpCost(rgb, src, stride) >= 0) {
      filterUp(rgb, src, raw, dst, stride);
    } else {
      filterSub(rgb, src, raw, dst, stride);
    }
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method: adaptive
  ihdr[12] = 0; // interlace: none

  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: opts.level ?? 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Read width/height from a PNG's IHDR chunk (throws if it is not a PNG). */
export function decodePngSize(buf: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new Error('decodePngSize: not a PNG (bad signature)');
  }
  if (b.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('decodePngSize: first chunk is not IHDR');
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
