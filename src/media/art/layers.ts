/**
 * Landscape layers: a layer is a silhouette (one ridge height per column)
 * filled with a per-row colour, painted far to near over what is already
 * there. Ridges come from summed sines, optionally with pine trees on top.
 */
import type { Rng } from '../../util/random.js';
import { clamp01, mix, smoothstep, type RGB } from './color.js';

export interface Layer {
  /** Ridge line: y (in px, fractional) of the silhouette top per column. */
  ridge: Float32Array;
  /** Per-row colour (RGB triples, `height` rows). */
  rowColor: Float32Array;
  /** First and last row to paint (exclusive end). */
  yStart: number;
  yEnd: number;
  /** Optional snow-cap line per column; pixels above it are whitened. */
  cap?: Float32Array;
  capColor?: RGB;
}

export interface RidgeSpec {
  base: number; // px
  amp: number; // px
  /** Number of sine octaves; more ⇒ rougher. */
  octaves: number;
  /** Lowest frequency in cycles across the width. */
  freq: number;
  /** 0 = rolling hills, 1 = sharp peaks (ridged sines). */
  sharp: number;
}

/** A ridge line from summed sine octaves with random phases; rand() is drawn for each octave. */
export function makeRidge(width: number, spec: RidgeSpec, rand: Rng): Float32Array {
  const ridge = new Float32Array(width);
  const terms: Array<{ f: number; a: number; p: number }> = [];
  let f = spec.freq * (0.8 + rand() * 0.4);
  let a = 1;
  let norm = 0;
  for (let o = 0; o < spec.octaves; o++) {
    terms.push({ f, a, p: rand() * Math.PI * 2 });
    norm += a;
    f *= 1.9 + rand() * 0.4;
    a *= 0.48;
  }
  const tau = (Math.PI * 2) / width;
  for (let x = 0; x < width; x++) {
    let smooth = 0;
    let peaks = 0;
    for (const t of terms) {
      const s = Math.sin(x * tau * t.f + t.p);
      smooth += t.a * s;
      peaks += t.a * (1 - 2 * Math.abs(s)); // ridged: sharp crests, rounded valleys flipped
    }
    const v = ((1 - spec.sharp) * smooth + spec.sharp * -peaks) / norm; // in ~[-1, 1]
    ridge[x] = spec.base - spec.amp * v;
  }
  return ridge;
}

/** Pine-tree silhouettes raised above an existing ridge. */
export function addTrees(
  ridge: Float32Array,
  count: number,
  minH: number,
  maxH: number,
  rand: Rng,
  xRange: readonly [number, number] = [0, ridge.length],
): void {
  const width = ridge.length;
  const trees: Array<{ x: number; h: number }> = [];
  for (let i = 0; i < count; i++) {
    const x = xRange[0] + rand() * (xRange[1] - xRange[0]);
    trees.push({ x, h: minH + (maxH - minH) * rand() * rand() });
  }
  const out = Float32Array.from(ridge);
  for (const t of trees) {
    const hw = t.h * 0.22; // half-width at the base of the crown
    const x0 = Math.max(0, Math.floor(t.x - hw));
    const x1 = Math.min(width - 1, Math.ceil(t.x + hw));
    const groundX = Math.min(width - 1, Math.max(0, Math.round(t.x)));
    const ground = ridge[groundX]! + t.h * 0.04;
    const crownBase = ground - t.h * 0.1;
    for (let x = x0; x <= x1; x++) {
      const d = Math.abs(x + 0.5 - t.x) / hw; // 0 centre … 1 crown edge
      if (d >= 1) continue;
      // Slim triangle with slightly concave sides and small saw-tooth
      // "branch tiers" along the edges.
      const tiers = 3;
      const saw = (d * tiers) % 1;
      const top = crownBase - t.h * 0.9 * Math.pow(1 - d, 1.1) + t.h * 0.12 * saw * saw * d;
      if (top < out[x]!) out[x] = top;
    }
  }
  ridge.set(out);
}

/**
 * The layer's colour row by row, fading into `fog` below its crest, so every
 * ridge stands out against the misty foot of the layer behind it.
 */
export function layerRows(
  height: number,
  top: number,
  color: RGB,
  fog: RGB,
  fogAmount: number,
  fogDepth: number,
): Float32Array {
  const rows = new Float32Array(height * 3);
  for (let y = 0; y < height; y++) {
    const t = smoothstep(top, top + fogDepth, y) * fogAmount;
    const c = mix(color, fog, t);
    rows[y * 3] = c[0];
    rows[y * 3 + 1] = c[1];
    rows[y * 3 + 2] = c[2];
  }
  return rows;
}

/** Highest point of a silhouette (smallest y; y grows downwards). */
export function ridgeMin(r: Float32Array): number {
  let m = Infinity;
  for (let i = 0; i < r.length; i++) if (r[i]! < m) m = r[i]!;
  return m;
}

/** Lowest point of a silhouette (largest y). */
export function ridgeMax(r: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < r.length; i++) if (r[i]! > m) m = r[i]!;
  return m;
}

/**
 * Shorten layers that are completely hidden behind a nearer, full-width
 * layer (one whose lowest ridge point is above its own bottom edge).
 */
function cullHidden(list: Layer[]): void {
  for (let j = 1; j < list.length; j++) {
    const front = list[j]!;
    const bottomOfRidge = Math.ceil(ridgeMax(front.ridge)) + 1;
    if (bottomOfRidge >= front.yEnd) continue;
    for (let i = 0; i < j; i++) {
      const back = list[i]!;
      if (front.yEnd >= back.yEnd) back.yEnd = Math.min(back.yEnd, bottomOfRidge);
    }
  }
}

/** Paint layers far to near (list order), skipping rows a nearer layer hides anyway. */
export function paintLayers(buf: Float32Array, width: number, list: Layer[]): void {
  cullHidden(list);
  for (const l of list) paintLayer(buf, width, l);
}

/**
 * Paint a layer over what is already in `buf`. The cap goes in as three plain
 * numbers (or null) so one hot loop serves capped and uncapped layers with
 * only numbers and typed arrays as arguments, which V8 optimises early.
 */
function paintLayer(buf: Float32Array, width: number, layer: Layer): void {
  const { ridge, rowColor, cap, capColor } = layer;
  const y0 = Math.max(0, Math.floor(ridgeMin(ridge)));
  if (cap && capColor) {
    paintLayerRows(buf, width, ridge, rowColor, y0, layer.yEnd, cap, capColor[0], capColor[1], capColor[2]);
  } else {
    paintLayerRows(buf, width, ridge, rowColor, y0, layer.yEnd, null, 0, 0, 0);
  }
}

/** Rows [y0, y1): solid below the ridge, anti-aliased by fractional coverage on the ridge row. */
function paintLayerRows(
  buf: Float32Array,
  width: number,
  ridge: Float32Array,
  rowColor: Float32Array,
  y0: number,
  y1: number,
  cap: Float32Array | null,
  capR: number,
  capG: number,
  capB: number,
): void {
  for (let y = y0; y < y1; y++) {
    const cr = rowColor[y * 3]!;
    const cg = rowColor[y * 3 + 1]!;
    const cb = rowColor[y * 3 + 2]!;
    let i = y * width * 3;
    for (let x = 0; x < width; x++, i += 3) {
      const cov = y + 1 - ridge[x]!;
      if (cov <= 0) continue;
      let r = cr;
      let g = cg;
      let b = cb;
      if (cap !== null) {
        const c = clamp01(cap[x]! - y);
        if (c > 0) {
          r += (capR - r) * c;
          g += (capG - g) * c;
          b += (capB - b) * c;
        }
      }
      if (cov >= 1) {
        buf[i] = r;
        buf[i + 1] = g;
        buf[i + 2] = b;
      } else {
        buf[i] = buf[i]! + (r - buf[i]!) * cov;
        buf[i + 1] = buf[i + 1]! + (g - buf[i + 1]!) * cov;
        buf[i + 2] = buf[i + 2]! + (b - buf[i + 2]!) * cov;
      }
    }
  }
}
