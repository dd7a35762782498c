import { createRng } from '../util/random.js';
import { createHash } from 'node:crypto';
import { encodePng } from './png.js';

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

export interface PlaceholderArtOptions {
  prompt: string;
  width: number;
  height: number;
  /** Optional extra variation; mixed into the prompt hash. */
  seed?: number;
}

export type ArtTheme = 'night' | 'sunset' | 'snow' | 'desert' | 'forest' | 'sea' | 'default';

export interface PlaceholderPixels {
  width: number;
  height: number;
  /** Packed RGB, width*height*3 bytes. */
  rgb: Uint8Array;
  theme: ArtTheme;
  /** Whether a water plane (sea/river/lake) was drawn. */
  water: boolean;
}

type RGB = readonly [number, number, number];

interface Palette {
  skyTop: RGB;
  skyMid: RGB;
  skyHorizon: RGB;
  sun: RGB;
  glow: RGB;
  far: RGB;
  near: RGB;
  water: RGB;
  cloud: RGB;
  /** Moon + stars instead of sun. */
  night?: boolean;
  /** Snow caps on the far range. */
  snowCaps?: boolean;
  /** Smooth dunes instead of jagged mountains. */
  dunes?: boolean;
  /** Sun sits low, touching the far ridge. */
  lowSun?: boolean;
}

const hex = (s: string): RGB => {
  const n = parseInt(s.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

const THEME_PALETTES: Record<Exclude<ArtTheme, 'default'>, Palette> = {
  sunset: {
    skyTop: hex('#2a2150'),
    skyMid: hex('#a34f78'),
    skyHorizon: hex('#ffb36e'),
    sun: hex('#fff1cf'),
    glow: hex('#ffb27a'),
    far: hex('#c4677a'),
    near: hex('#24142c'),
    water: hex('#4a2a52'),
    cloud: hex('#f59a86'),
    lowSun: true,
  },
  night: {
    skyTop: hex('#030716'),
    skyMid: hex('#0b1a40'),
    skyHorizon: hex('#274677'),
    sun: hex('#f3f0dc'),
    glow: hex('#7f9cd0'),
    far: hex('#22345c'),
    near: hex('#050915'),
    water: hex('#0a1733'),
    cloud: hex('#3a4f7a'),
    night: true,
  },
  sea: {
    skyTop: hex('#3b8bc4'),
    skyMid: hex('#7dbfe2'),
    skyHorizon: hex('#e2f3f4'),
    sun: hex('#fffbea'),
    glow: hex('#fff1c2'),
    far: hex('#7ea6bd'),
    near: hex('#173f4f'),
    water: hex('#237592'),
    cloud: hex('#ffffff'),
  },
  forest: {
    skyTop: hex('#5f9fb3'),
    skyMid: hex('#a4d0c3'),
    skyHorizon: hex('#eef2cf'),
    sun: hex('#fffbe2'),
    glow: hex('#fff3bd'),
    far: hex('#89b08f'),
    near: hex('#11281a'),
    water: hex('#35705f'),
    cloud: hex('#fbfff4'),
  },
  snow: {
    skyTop: hex('#86b7dc'),
    skyMid: hex('#c2ddef'),
    skyHorizon: hex('#f5f9fc'),
    sun: hex('#ffffff'),
    glow: hex('#fffbea'),
    far: hex('#d5e3ef'),
    near: hex('#5f7f9c'),
    water: hex('#6d9cbf'),
    cloud: hex('#ffffff'),
    snowCaps: true,
  },
  desert: {
    skyTop: hex('#4a8fc2'),
    skyMid: hex('#9cc8df'),
    skyHorizon: hex('#f8e4bd'),
    sun: hex('#fff8e2'),
    glow: hex('#ffe7ad'),
    far: hex('#e6b47c'),
    near: hex('#93502c'),
    water: hex('#5a9ab3'),
    cloud: hex('#fffaf0'),
    dunes: true,
  },
};

/** Curated palettes for prompts without a recognised keyword. */
const DEFAULT_PALETTES: readonly Palette[] = [
  {
    // lavender dusk
    skyTop: hex('#34346a'),
    skyMid: hex('#8a74ad'),
    skyHorizon: hex('#f6c8b6'),
    sun: hex('#fff3de'),
    glow: hex('#f8c6a6'),
    far: hex('#9581ad'),
    near: hex('#211b3a'),
    water: hex('#4a3f6e'),
    cloud: hex('#f3cdd0'),
    lowSun: true,
  },
  {
    // golden afternoon
    skyTop: hex('#4784b6'),
    skyMid: hex('#9dc3d8'),
    skyHorizon: hex('#fbe4b2'),
    sun: hex('#fffaf0'),
    glow: hex('#ffe6a8'),
    far: hex('#b7a47f'),
    near: hex('#35301f'),
    water: hex('#4b86a0'),
    cloud: hex('#fffdf5'),
  },
  {
    // peach dawn
    skyTop: hex('#6a8cc4'),
    skyMid: hex('#d6a6b8'),
    skyHorizon: hex('#ffd9ae'),
    sun: hex('#fff6e6'),
    glow: hex('#ffd2a6'),
    far: hex('#b88c9e'),
    near: hex('#38283d'),
    water: hex('#6f6f9c'),
    cloud: hex('#ffe4de'),
    lowSun: true,
  },
  {
    // teal evening
    skyTop: hex('#0f3446'),
    skyMid: hex('#2e7a83'),
    skyHorizon: hex('#f2c88c'),
    sun: hex('#fff0cf'),
    glow: hex('#f6c27e'),
    far: hex('#3f7674'),
    near: hex('#0b1f23'),
    water: hex('#1d4f58'),
    cloud: hex('#bfe0d6'),
    lowSun: true,
  },
  {
    // mint morning
    skyTop: hex('#74b2c7'),
    skyMid: hex('#b6dfd1'),
    skyHorizon: hex('#f6f1d2'),
    sun: hex('#fffef4'),
    glow: hex('#fff5c8'),
    far: hex('#9ac2ae'),
    near: hex('#29463a'),
    water: hex('#4f8f8c'),
    cloud: hex('#ffffff'),
  },
];

// ---------------------------------------------------------------------------
// Keyword detection

const L = '\\p{L}';
/** Whole-ish words for alphabetic scripts: word start, optional suffix. */
const words = (...stems: string[]): RegExp => new RegExp(`(?<!${L})(?:${stems.join('|')})`, 'iu');
/** CJK: plain substring. */
const chars = (...parts: string[]): RegExp => new RegExp(parts.join('|'), 'u');

const THEME_RULES: ReadonlyArray<readonly [Exclude<ArtTheme, 'default'>, RegExp[]]> = [
  [
    'night',
    [
      words(
        'night',
        'midnight',
        'moon',
        'stars?\\b',
        'starry',
        'nocturn',
        'ночь',
        'ночн',
        'ночи',
        'полноч',
        'лун[аеыу]',
        'звёзд',
        'звезд',
      ),
      chars('夜', '月亮', '星空', '星星', '晚上'),
      words('밤(?!나무)', '한밤', '달빛', '별'),
    ],
  ],
  [
    'sunset',
    [
      words(
        'sunset',
        'sundown',
        'dusk',
        'fire',
        'flame',
        'blaze',
        'ember',
        'закат',
        'огонь',
        'огн',
        'пламя',
        'костр',
        'костёр',
        'сумерк',
        'рассвет',
        'sunrise',
        'dawn',
      ),
      chars('日落', '夕阳', '黄昏', '晚霞', '火', '夕日', '日の出', '朝焼け'),
      words('노을', '석양', '일몰', '불(?![가고편안])', '해질', '새벽'),
    ],
  ],
  [
    'snow',
    [
      words(
        'snow',
        'winter',
        'ice\\b',
        'icy',
        'frost',
        'glacier',
        'blizzard',
        'снег',
        'снеж',
        'зим',
        'лёд',
        'лед(?!и)',
        'мороз',
        'вьюг',
        'метел',
      ),
      chars('雪', '冬', '冰'),
      words('눈(?![물썹빛])', '겨울', '얼음'),
    ],
  ],
  [
    'desert',
    [
      words('desert', 'dune', 'sand', 'sahara', 'пустын', 'дюн', 'песок', 'песк', 'песч'),
      chars('沙漠', '沙丘', '砂漠'),
      words('사막', '모래'),
    ],
  ],
  [
    'forest',
    [
      words(
        'forest',
        'wood(?:s|land)\\b',
        'trees?\\b',
        'pine',
        'jungle',
        'grove',
        'лес',
        'лесн',
        'роща',
        'бор\\b',
        'деревь',
        'дерев',
        'сосн',
        'ель',
        'ёлк',
        'елк',
        'тайг',
        'джунгл',
      ),
      chars('森林', '树林', '树', '林', '森'),
      words('숲', '나무', '정글'),
    ],
  ],
  [
    'sea',
    [
      words(
        'sea\\b',
        'seas\\b',
        'ocean',
        'river',
        'lake',
        'beach',
        'shore',
        'coast',
        'wave',
        'harbou?r',
        'stream',
        'pond',
        'bay\\b',
        'море',
        'мор[яюеи]\\b',
        'морск',
        'океан',
        'рек[аиеуо]',
        'речк',
        'реч',
        'озер',
        'озёр',
        'пляж',
        'берег',
        'волн',
        'залив',
      ),
      chars('海', '河', '江', '湖', '浪', '川'),
      words('바다', '강(?![아하한해도])', '호수', '해변', '파도', '시냇'),
    ],
  ],
];

const WATER_RULE: RegExp[] = THEME_RULES.find(([t]) => t === 'sea')![1];

/** Which keyword theme (if any) a prompt maps to, plus whether it mentions water. */
export function detectTheme(prompt: string): { theme: ArtTheme; water: boolean } {
  const text = prompt.normalize('NFC');
  let theme: ArtTheme = 'default';
  for (const [t, rules] of THEME_RULES) {
    if (rules.some((r) => r.test(text))) {
      theme = t;
      break;
    }
  }
  const water = WATER_RULE.some((r) => r.test(text));
  return { theme, water };
}

// ---------------------------------------------------------------------------
// Deterministic randomness

function hashSeed(prompt: string, seed: number | undefined): number {
  const h = createHash('sha256');
  h.update(prompt.normalize('NFC'), 'utf8');
  if (seed !== undefined) h.update(`\u0000seed:${seed}`, 'utf8');
  return h.digest().readUInt32LE(0);
}

const rng = createRng;

// ---------------------------------------------------------------------------
// Small colour helpers

const mix = (a: RGB, b: RGB, t: number): RGB => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};

// ---------------------------------------------------------------------------
// Landscape layers

interface Layer {
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

interface RidgeSpec {
  base: number; // px
  amp: number; // px
  /** Number of sine octaves; more ⇒ rougher. */
  octaves: number;
  /** Lowest frequency in cycles across the width. */
  freq: number;
  /** 0 = rolling hills, 1 = sharp peaks (ridged sines). */
  sharp: number;
}

function makeRidge(width: number, spec: RidgeSpec, rand: () => number): Float32Array {
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
function addTrees(
  ridge: Float32Array,
  count: number,
  minH: number,
  maxH: number,
  rand: () => number,
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

function layerRows(
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

function ridgeMin(r: Float32Array): number {
  let m = Infinity;
  for (let i = 0; i < r.length; i++) if (r[i]! < m) m = r[i]!;
  return m;
}

function ridgeMax(r: Float32Array): number {
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

function paintLayer(buf: Float32Array, width: number, layer: Layer): void {
  const { ridge, rowColor, cap, capColor } = layer;
  const y0 = Math.max(0, Math.floor(ridgeMin(ridge)));
  if (cap && capColor) {
    paintLayerRows(buf, width, ridge, rowColor, y0, layer.yEnd, cap, capColor[0], capColor[1], capColor[2]);
  } else {
    paintLayerRows(buf, width, ridge, rowColor, y0, layer.yEnd, null, 0, 0, 0);
  }
}

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

// ---------------------------------------------------------------------------
// Hot loops. Kept as small standalone functions over typed arrays so V8
// optimises them quickly, even on the very first render in a fresh process.

interface SunParams {
  x: number;
  y: number;
  r: number;
  glowR: number;
  glowAmt: number;
  glow: RGB;
  disc: RGB;
}

/** Sky gradient (one colour per row) + sun glow + sun disc, rows [0, rows). */
function paintSky(buf: Float32Array, W: number, rows: number, skyRows: Float32Array, sun: SunParams): void {
  const gr = sun.glow[0];
  const gg = sun.glow[1];
  const gb = sun.glow[2];
  const sr = sun.disc[0];
  const sg = sun.disc[1];
  const sb = sun.disc[2];
  const sunX = sun.x;
  const sunR = sun.r;
  const glowAmt = sun.glowAmt;
  const invGlow2 = 2.5 / (sun.glowR * sun.glowR);
  const discOuter2 = (sunR + 1) * (sunR + 1);
  for (let y = 0; y < rows; y++) {
    const kr = skyRows[y * 3]!;
    const kg = skyRows[y * 3 + 1]!;
    const kb = skyRows[y * 3 + 2]!;
    const dy = y + 0.5 - sun.y;
    const dy2 = dy * dy;
    let i = y * W * 3;
    for (let x = 0; x < W; x++, i += 3) {
      const dx = x + 0.5 - sunX;
      const d2 = dx * dx + dy2;
      // Soft glow (rational falloff is cheap and smooth), then the disc.
      const g = glowAmt / (1 + d2 * invGlow2);
      let r = kr + (gr - kr) * g;
      let G = kg + (gg - kg) * g;
      let b = kb + (gb - kb) * g;
      if (d2 < discOuter2) {
        const disc = clamp01(sunR - Math.sqrt(d2) + 0.5);
        r += (sr - r) * disc;
        G += (sg - G) * disc;
        b += (sb - b) * disc;
      }
      buf[i] = r;
      buf[i + 1] = G;
      buf[i + 2] = b;
    }
  }
}

/** Max-accumulate one elliptical blob's soft coverage into a cloud's box. */
function accumulateBlob(
  cov: Float32Array,
  bw: number,
  bh: number,
  x0: number,
  y0: number,
  bx: number,
  by: number,
  rx: number,
  ry: number,
): void {
  const xa = Math.max(0, Math.floor(bx - rx) - x0);
  const xb = Math.min(bw - 1, Math.ceil(bx + rx) - x0);
  const ya = Math.max(0, Math.floor(by - ry) - y0);
  const yb = Math.min(bh - 1, Math.ceil(by + ry) - y0);
  const irx = 1 / rx;
  const iry = 1 / ry;
  for (let yy = ya; yy <= yb; yy++) {
    const ey = (yy + y0 + 0.5 - by) * iry;
    const ey2 = ey * ey;
    const row = yy * bw;
    for (let xx = xa; xx <= xb; xx++) {
      const ex = (xx + x0 + 0.5 - bx) * irx;
      const v = 1 - ex * ex - ey2;
      if (v > cov[row + xx]!) cov[row + xx] = v;
    }
  }
}

/** Composite a cloud's coverage box onto the image. */
function compositeCloud(
  buf: Float32Array,
  W: number,
  cov: Float32Array,
  bw: number,
  bh: number,
  x0: number,
  y0: number,
  cy: number,
  ch: number,
  cloud: RGB,
  underside: RGB,
  alphaMax: number,
): void {
  for (let yy = 0; yy < bh; yy++) {
    const y = yy + y0;
    // Flat-ish base: fade the cloud out below its baseline.
    const base = 1 - smoothstep(cy + ch * 0.15, cy + ch * 0.55, y);
    if (base <= 0) continue;
    // Underside a touch warmer (towards the horizon colour) than the top.
    const shade = 0.12 * smoothstep(cy - ch * 1.2, cy + ch * 0.4, y);
    const tr = cloud[0] + (underside[0] - cloud[0]) * shade;
    const tg = cloud[1] + (underside[1] - cloud[1]) * shade;
    const tb = cloud[2] + (underside[2] - cloud[2]) * shade;
    const k = base * alphaMax;
    const row = yy * bw;
    for (let xx = 0; xx < bw; xx++) {
      const m = cov[row + xx]!;
      if (m <= 0) continue;
      const i = (y * W + xx + x0) * 3;
      // Clouds fade out against dark sky so they never look muddy.
      const lum = 0.3 * buf[i]! + 0.59 * buf[i + 1]! + 0.11 * buf[i + 2]!;
      const a = smoothstep(0, 0.35, m) * k * (0.25 + 0.75 * smoothstep(50, 150, lum));
      buf[i] = buf[i]! + (tr - buf[i]!) * a;
      buf[i + 1] = buf[i + 1]! + (tg - buf[i + 1]!) * a;
      buf[i + 2] = buf[i + 2]! + (tb - buf[i + 2]!) * a;
    }
  }
}

/**
 * Water from row `wl` down: a rippled, slightly compressed mirror image of
 * what is above the waterline, tinted towards the water colour with depth.
 */
function paintWater(buf: Float32Array, W: number, H: number, wl: number, S: number, water: RGB, deep: RGB): void {
  for (let y = wl; y < H; y++) {
    const depth = (y - wl) / (H - wl); // 0 at the waterline, 1 at the bottom
    const my = Math.max(0, Math.min(wl - 1, Math.round(wl - (y - wl) * 0.9 - 1)));
    const wobbleAmp = 1 + depth * S * 0.012;
    const phase = y * 0.35 + Math.sin(y * 0.07) * 2;
    const reflect = 0.6 * (1 - depth * 0.55);
    const t = depth * 0.35;
    const wr = water[0] + (deep[0] - water[0]) * t;
    const wg = water[1] + (deep[1] - water[1]) * t;
    const wb = water[2] + (deep[2] - water[2]) * t;
    const src = my * W;
    let i = y * W * 3;
    for (let x = 0; x < W; x++, i += 3) {
      let sx = Math.round(x + Math.sin(phase + x * 0.004) * wobbleAmp);
      sx = sx < 0 ? 0 : sx >= W ? W - 1 : sx;
      const si = (src + sx) * 3;
      buf[i] = wr + (buf[si]! - wr) * reflect;
      buf[i + 1] = wg + (buf[si + 1]! - wg) * reflect;
      buf[i + 2] = wb + (buf[si + 2]! - wb) * reflect;
    }
  }
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

// ---------------------------------------------------------------------------
// Rendering

/** Render the placeholder scene to raw RGB (useful for tests and compositing). */
export function renderPlaceholderPixels(opts: PlaceholderArtOptions): PlaceholderPixels {
  const { prompt, width, height } = opts;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`renderPlaceholderArt: invalid size ${width}x${height}`);
  }
  const { theme, water } = detectTheme(prompt);
  const seed = hashSeed(prompt, opts.seed);
  const rand = rng(seed);
  const pal: Palette =
    theme === 'default' ? DEFAULT_PALETTES[Math.floor(rand() * DEFAULT_PALETTES.length)]! : THEME_PALETTES[theme];

  const W = width;
  const H = height;
  const S = Math.min(W, H); // size unit for round things
  const buf = new Float32Array(W * H * 3);

  // Composition: the horizon (far ridge base) sits a bit below the middle,
  // so a vertical 9:16 frame gets a tall sky and a layered foreground.
  const horizon = H * (0.56 + rand() * 0.06);
  const waterline = horizon + H * 0.045;

  // --- land (far range first: it bounds how much sky must be painted) -------
  const forest = theme === 'forest';
  const fogOf = (c: RGB, amt: number): RGB => mix(c, pal.skyHorizon, amt);

  const layers: Layer[] = [];
  const behindWater: Layer[] = [];
  let farLayer: Layer;

  const farColor = mix(pal.far, pal.skyHorizon, 0.15);
  // Far range: jagged mountains (or smooth dunes).
  {
    const ridge = makeRidge(
      W,
      pal.dunes
        ? { base: horizon, amp: H * 0.035, octaves: 3, freq: 1.2, sharp: 0.15 }
        : { base: horizon - H * 0.02, amp: H * (0.06 + rand() * 0.04), octaves: 6, freq: 1.1, sharp: 0.75 },
      rand,
    );
    const top = ridgeMin(ridge);
    const layer: Layer = {
      ridge,
      rowColor: layerRows(H, top, farColor, fogOf(farColor, 0.6), 0.85, (horizon - top) * 1.3 + H * 0.04),
      yStart: Math.floor(top),
      yEnd: water ? Math.ceil(waterline) + 1 : H,
    };
    if (pal.snowCaps || (!pal.dunes && !pal.night && rand() < 0.35)) {
      const cap = new Float32Array(W);
      const depth = (horizon - top) * 0.45;
      for (let x = 0; x < W; x++)
        cap[x] = top + depth + Math.sin(x * 0.05 + seed) * depth * 0.18 + Math.sin(x * 0.013) * depth * 0.3;
      layer.cap = cap;
      layer.capColor = mix(hex('#ffffff'), pal.skyHorizon, 0.25);
    }
    (water ? behindWater : layers).push(layer);
    farLayer = layer;
  }

  // --- sky -----------------------------------------------------------------
  const sunX = W * (0.22 + rand() * 0.56);
  const sunR = S * (pal.night ? 0.07 + rand() * 0.025 : 0.09 + rand() * 0.04);
  const sunY = pal.lowSun
    ? horizon - H * (0.02 + rand() * 0.06)
    : pal.night
      ? H * (0.14 + rand() * 0.14)
      : H * (0.18 + rand() * 0.18);
  const glowR = sunR * (pal.night ? 3 : 4.5);
  const glowAmt = pal.night ? 0.35 : 0.55;
  // Two-segment gradient: top → mid → horizon, then hold the horizon colour.
  const skyAt = (y: number): RGB => {
    const t = clamp01(y / horizon);
    return t < 0.55
      ? mix(pal.skyTop, pal.skyMid, smoothstep(0, 0.55, t))
      : mix(pal.skyMid, pal.skyHorizon, smoothstep(0.55, 1, t));
  };

  // Nothing below the far range's lowest ridge point can show sky
  // (the far layer covers it, or the water does), so stop there.
  const skyEnd = Math.min(H, Math.ceil(ridgeMax(farLayer.ridge)) + 2);
  const skyRows = new Float32Array(skyEnd * 3);
  for (let y = 0; y < skyEnd; y++) skyRows.set(skyAt(y), y * 3);
  paintSky(buf, W, skyEnd, skyRows, { x: sunX, y: sunY, r: sunR, glowR, glowAmt, glow: pal.glow, disc: pal.sun });

  // Moon: carve a crescent by painting a sky-coloured disc over part of it.
  if (pal.night) {
    const offX = sunR * (0.35 + rand() * 0.2) * (rand() < 0.5 ? -1 : 1);
    const offY = -sunR * 0.2;
    const cx = sunX + offX;
    const cy = sunY + offY;
    const rr = sunR * 0.92;
    const x0 = Math.max(0, Math.floor(cx - rr - 2));
    const x1 = Math.min(W - 1, Math.ceil(cx + rr + 2));
    const y0 = Math.max(0, Math.floor(cy - rr - 2));
    const y1 = Math.min(H - 1, Math.ceil(cy + rr + 2));
    for (let y = y0; y <= y1; y++) {
      const sky = skyAt(y);
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const d = Math.sqrt(dx * dx + dy * dy);
        const a = clamp01(rr - d + 0.5) * 0.9;
        if (a <= 0) continue;
        // Keep some of the glow so the shadowed part reads as "moon in shadow".
        const sdx = x + 0.5 - sunX;
        const sdy = y + 0.5 - sunY;
        const q = Math.sqrt(sdx * sdx + sdy * sdy) / glowR;
        const g = glowAmt / (1 + q * q * 2.5);
        const i = (y * W + x) * 3;
        for (let c = 0; c < 3; c++) {
          const target = sky[c]! + (pal.glow[c]! - sky[c]!) * g * 1.3;
          buf[i + c] = buf[i + c]! + (target - buf[i + c]!) * a;
        }
      }
    }
  }

  // Stars (night only): small points, denser and brighter near the top.
  if (pal.night) {
    const n = Math.round((W * H) / 6500);
    for (let k = 0; k < n; k++) {
      const x = Math.floor(rand() * W);
      const y = Math.floor(Math.pow(rand(), 1.4) * horizon * 0.85);
      const bright = (0.35 + rand() * 0.65) * (1 - y / horizon);
      const big = rand() < 0.08;
      const dx = x + 0.5 - sunX;
      const dy = y + 0.5 - sunY;
      if (dx * dx + dy * dy < (sunR * 1.6) ** 2) continue;
      const plot = (px: number, py: number, a: number): void => {
        if (px < 0 || py < 0 || px >= W || py >= H) return;
        const i = (py * W + px) * 3;
        buf[i] = buf[i]! + (250 - buf[i]!) * a;
        buf[i + 1] = buf[i + 1]! + (247 - buf[i + 1]!) * a;
        buf[i + 2] = buf[i + 2]! + (232 - buf[i + 2]!) * a;
      };
      plot(x, y, bright);
      if (big) {
        plot(x + 1, y, bright * 0.45);
        plot(x - 1, y, bright * 0.45);
        plot(x, y + 1, bright * 0.45);
        plot(x, y - 1, bright * 0.45);
      }
    }
  }

  // Soft clouds: clusters of flattened blobs with a soft edge.
  {
    const nClouds = pal.night ? Math.floor(rand() * 2) : 2 + Math.floor(rand() * 3);
    for (let k = 0; k < nClouds; k++) {
      const cx = W * (-0.1 + rand() * 1.2);
      const cy = horizon * (0.12 + rand() * 0.6);
      const cw = W * (0.18 + rand() * 0.22);
      const ch = cw * (0.16 + rand() * 0.08);
      const blobs: Array<{ x: number; y: number; rx: number; ry: number }> = [];
      const nb = 4 + Math.floor(rand() * 3);
      for (let b = 0; b < nb; b++) {
        const u = (b + 0.5) / nb - 0.5;
        const lift = 1 - Math.abs(u) * 1.6;
        blobs.push({
          x: cx + u * cw * 1.1 + (rand() - 0.5) * cw * 0.1,
          y: cy - ch * 0.35 * lift * (0.6 + rand() * 0.6),
          rx: cw * (0.2 + rand() * 0.12),
          ry: ch * (0.45 + 0.4 * lift * (0.6 + rand() * 0.4)),
        });
      }
      const alphaMax = pal.night ? 0.25 : 0.55 + rand() * 0.2;
      const x0 = Math.max(0, Math.floor(cx - cw));
      const x1 = Math.min(W - 1, Math.ceil(cx + cw));
      const y0 = Math.max(0, Math.floor(cy - ch * 1.6));
      const y1 = Math.min(H - 1, Math.ceil(cy + ch * 0.8));
      if (x1 < x0 || y1 < y0) continue;
      // Coverage = max over blobs of (1 - ellipse distance²).
      const bw = x1 - x0 + 1;
      const bh = y1 - y0 + 1;
      const cov = new Float32Array(bw * bh);
      for (const bl of blobs) accumulateBlob(cov, bw, bh, x0, y0, bl.x, bl.y, bl.rx, bl.ry);
      compositeCloud(buf, W, cov, bw, bh, x0, y0, cy, ch, pal.cloud, pal.skyHorizon, alphaMax);
    }
  }

  // Middle/near layers.
  const nMid = water ? 1 : 2 + (rand() < 0.5 ? 1 : 0);
  for (let k = 0; k < nMid; k++) {
    const t = (k + 1) / (nMid + 1); // 0..1 depth
    const base = water ? horizon + H * 0.015 : horizon + H * (0.05 + t * 0.26);
    const ridge = makeRidge(
      W,
      pal.dunes
        ? { base, amp: H * 0.03, octaves: 3, freq: 0.8 + rand(), sharp: 0.1 }
        : { base, amp: H * (0.03 + 0.015 * (1 - t)), octaves: 4, freq: 1 + rand(), sharp: 0.25 * (1 - t) },
      rand,
    );
    if (!pal.dunes && (forest || rand() < 0.5)) {
      const th = H * (0.025 + t * 0.05);
      addTrees(ridge, forest ? Math.round(W / (18 + 30 * t)) : Math.round(W / 90), th * 0.5, th, rand);
    }
    const ct = (k + 1) / nMid; // nearest middle layer gets the full near colour
    const color = mix(pal.far, pal.near, 0.25 + 0.75 * ct);
    const top = ridgeMin(ridge);
    const layer: Layer = {
      ridge,
      rowColor: layerRows(H, top, color, fogOf(color, 0.5 * (1 - ct) + 0.1), 0.9, H * (0.06 + 0.03 * t)),
      yStart: Math.floor(top),
      yEnd: water ? Math.ceil(waterline) + 1 : H,
    };
    (water ? behindWater : layers).push(layer);
  }

  cullHidden(behindWater);
  for (const l of behindWater) paintLayer(buf, W, l);

  // --- water -----------------------------------------------------------------
  if (water) {
    const wl = Math.floor(waterline);
    paintWater(buf, W, H, wl, S, pal.water, pal.near);
    // Glints: short soft horizontal dashes of sun colour, clustered under the sun.
    {
      const nGlints = Math.round((H - wl) / 9);
      for (let k = 0; k < nGlints; k++) {
        const u = rand();
        const y = wl + 2 + Math.floor(Math.pow(u, 1.3) * (H - wl - 4));
        const depth = (y - wl) / (H - wl);
        const spread = W * (0.08 + depth * 0.3);
        const cx = sunX + (rand() + rand() - 1) * spread;
        const len = W * (0.015 + rand() * 0.05) * (1 + depth);
        const strength = (pal.night ? 0.4 : 0.55) * (1 - depth * 0.5) * (0.5 + rand() * 0.5);
        const x0 = Math.max(0, Math.floor(cx - len / 2));
        const x1 = Math.min(W - 1, Math.ceil(cx + len / 2));
        for (let x = x0; x <= x1; x++) {
          const e = 1 - Math.abs((x + 0.5 - cx) / (len / 2));
          if (e <= 0) continue;
          const a = strength * Math.min(1, e * 3);
          for (let dy = 0; dy < 2; dy++) {
            const i = ((y + dy) * W + x) * 3;
            const aa = dy === 0 ? a : a * 0.4;
            for (let c = 0; c < 3; c++) buf[i + c] = buf[i + c]! + (pal.sun[c]! - buf[i + c]!) * aa;
          }
        }
      }
    }
    // A thin bright line right at the waterline reads as "distant shore".
    {
      const i0 = wl * W * 3;
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          buf[i0 + x * 3 + c] = buf[i0 + x * 3 + c]! + (pal.skyHorizon[c]! - buf[i0 + x * 3 + c]!) * 0.25;
        }
      }
    }

    // Banks: one big hill entering from a side, a smaller one on the other.
    const side = rand() < 0.5 ? 0 : 1;
    for (let k = 0; k < 2; k++) {
      const big = k === 0;
      const fromLeft = (side === 0) === big;
      const reach = big ? 0.5 + rand() * 0.2 : 0.22 + rand() * 0.12; // fraction of width
      // Height of the bank at the frame edge (y), sloping down past the bottom at `reach`.
      const topY = big ? H * (0.7 + rand() * 0.06) : H * (0.83 + rand() * 0.05);
      const ridge = new Float32Array(W);
      const p1 = rand() * 6;
      const p2 = rand() * 6;
      for (let x = 0; x < W; x++) {
        const s = fromLeft ? x / W : 1 - x / W;
        const u = s / reach; // 0 at the frame edge, 1 where it meets the bottom
        // Rounded shoulder then a slope into the water.
        const fall = u <= 0 ? 0 : Math.pow(u, 1.8);
        const detail = (Math.sin(x * 0.011 + p1) * 0.5 + Math.sin(x * 0.037 + p2) * 0.2) * H * 0.008;
        ridge[x] = topY + (H * 1.03 - topY) * fall + detail;
      }
      const color = big ? pal.near : mix(pal.far, pal.near, 0.75);
      const tx0 = fromLeft ? 0 : W * (1 - reach * 0.7);
      const tx1 = fromLeft ? W * reach * 0.7 : W;
      const th = H * (big ? 0.09 : 0.05);
      addTrees(ridge, Math.round((forest ? 14 : 5) * (big ? 1 : 0.6)), th * 0.45, th, rand, [tx0, tx1]);
      const top = ridgeMin(ridge);
      layers.push({
        ridge,
        rowColor: layerRows(H, top, color, fogOf(color, 0.2), 0.6, H * 0.12),
        yStart: Math.floor(top),
        yEnd: H,
      });
    }
  }

  cullHidden(layers);
  for (const l of layers) paintLayer(buf, W, l);

  // --- finish: vignette + quantise -----------------------------------------------
  const rgb = finishPixels(buf, W, H, pal.night ? 0.4 : 0.28);

  return { width: W, height: H, rgb, theme, water };
}

/** Render the placeholder scene as PNG bytes. */
export function renderPlaceholderArt(opts: PlaceholderArtOptions): Buffer {
  const px = renderPlaceholderPixels(opts);
  return encodePng(px.width, px.height, px.rgb);
}
