import { createHash } from 'node:crypto';
import { encodePng } from '../../media/png.js';

/** Solid-colour PNGs, so emulated outputs are real, decodable images (encoder shared with our art). */
export type Rgb = readonly [number, number, number];

export function solidPng(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = r;
    rgb[i + 1] = g;
    rgb[i + 2] = b;
  }
  return encodePng(width, height, rgb);
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
