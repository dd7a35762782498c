/**
 * Offline "honest placeholder art": a deterministic, stylised layered
 * landscape derived from an image prompt. No network, no native deps.
 *
 * Same prompt + size (+ seed) ⇒ byte-identical PNG. The palette follows
 * keywords in the prompt (night, sea/river, forest, sunset/fire, snow,
 * desert — in English, Russian, Chinese/Japanese and Korean); otherwise it
 * is picked from the prompt hash. Geometry (ridges, sun position, trees,
 * clouds, stars) always comes from the hash.
 */
import { createHash } from 'node:crypto';
import { createRng } from '../../util/random.js';
import { encodePng } from '../png.js';
import { paintClouds } from './clouds.js';
import { farRange, middleRanges, riverBanks } from './land.js';
import { paintLayers, ridgeMax } from './layers.js';
import { pickPalette } from './palettes.js';
import type { Scene } from './scene.js';
import { carveMoon, paintSky, paintStars, placeSun } from './sky.js';
import { detectTheme, type ArtTheme } from './themes.js';
import { paintWater } from './water.js';

export interface PlaceholderArtOptions {
  prompt: string;
  width: number;
  height: number;
  /** Optional extra variation; mixed into the prompt hash. */
  seed?: number;
}

export interface PlaceholderPixels {
  width: number;
  height: number;
  /** Packed RGB, width*height*3 bytes. */
  rgb: Uint8Array;
  theme: ArtTheme;
  /** Whether a water plane (sea/river/lake) was drawn. */
  water: boolean;
}

/** Render the placeholder scene to raw RGB (useful for tests and compositing). */
export function renderPlaceholderPixels(opts: PlaceholderArtOptions): PlaceholderPixels {
  const { prompt, width: W, height: H } = opts;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W <= 0 || H <= 0) {
    throw new RangeError(`renderPlaceholderArt: invalid size ${W}x${H}`);
  }
  const { theme, water } = detectTheme(prompt);
  const seed = hashSeed(prompt, opts.seed);
  const rand = createRng(seed);
  const pal = pickPalette(theme, rand);
  // The horizon (far ridge base) sits a bit below the middle, so a vertical
  // 9:16 frame gets a tall sky and a layered foreground.
  const horizon = H * (0.56 + rand() * 0.06);
  const scene: Scene = {
    buf: new Float32Array(W * H * 3),
    W,
    H,
    S: Math.min(W, H),
    theme,
    pal,
    water,
    horizon,
    waterline: horizon + H * 0.045,
    seed,
    rand,
  };

  // Every step below draws from `rand` in turn: keep their order.
  // The far range comes first because it bounds how much sky must be painted.
  const far = farRange(scene);
  const sun = placeSun(scene);
  paintSky(scene, sun, Math.min(H, Math.ceil(ridgeMax(far.ridge)) + 2));
  if (pal.night) {
    carveMoon(scene, sun);
    paintStars(scene, sun);
  }
  paintClouds(scene);
  paintLayers(scene.buf, W, [far, ...middleRanges(scene)]);
  if (water) {
    // The water reflects what is painted so far; the banks stand in front of it.
    paintWater(scene, sun);
    paintLayers(scene.buf, W, riverBanks(scene));
  }

  const rgb = finishPixels(scene.buf, W, H, pal.night ? 0.4 : 0.28);
  return { width: W, height: H, rgb, theme, water };
}

/** Render the placeholder scene as PNG bytes. */
export function renderPlaceholderArt(opts: PlaceholderArtOptions): Buffer {
  const px = renderPlaceholderPixels(opts);
  return encodePng(px.width, px.height, px.rgb);
}

/** The prompt's hash seeds everything; NFC so differently composed Unicode input gives the same picture. */
function hashSeed(prompt: string, seed: number | undefined): number {
  const h = createHash('sha256');
  h.update(prompt.normalize('NFC'), 'utf8');
  if (seed !== undefined) h.update(`\u0000seed:${seed}`, 'utf8');
  return h.digest().readUInt32LE(0);
}

/** Vignette + round to bytes. */
function finishPixels(buf: Float32Array, W: number, H: number, vig: number): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const colV = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const u = (x + 0.5) / W - 0.5;
    colV[x] = u * u;
  }
  for (let y = 0; y < H; y++) {
    const v = (y + 0.5) / H - 0.5;
    const vv = v * v * 0.8;
    let i = y * W * 3;
    for (let x = 0; x < W; x++, i += 3) {
      const r2 = (colV[x]! + vv) * 2; // 0 centre … ~0.9 corners
      const f = 1 - vig * r2 * r2;
      // Round half up and clamp (typed-array stores truncate).
      const r = buf[i]! * f + 0.5;
      const g = buf[i + 1]! * f + 0.5;
      const b = buf[i + 2]! * f + 0.5;
      rgb[i] = r < 0 ? 0 : r > 255 ? 255 : r;
      rgb[i + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      rgb[i + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return rgb;
}
