/**
 * The sky: gradient, sun (or moon) with its glow, and stars at night.
 * Per-pixel loops are small standalone functions over typed arrays so V8
 * optimises them quickly, even on the very first render in a fresh process.
 */
import { clamp01, mix, smoothstep, type RGB } from './color.js';
import type { Palette } from './palettes.js';
import type { Scene } from './scene.js';

export interface Sun {
  x: number;
  y: number;
  r: number;
  glowR: number;
  glowAmt: number;
  glow: RGB;
  disc: RGB;
}

/** Where the sun (or moon) sits and how large it is; draws three numbers from `rand`. */
export function placeSun({ W, H, S, pal, horizon, rand }: Scene): Sun {
  const x = W * (0.22 + rand() * 0.56);
  const r = S * (pal.night ? 0.07 + rand() * 0.025 : 0.09 + rand() * 0.04);
  const y = pal.lowSun
    ? horizon - H * (0.02 + rand() * 0.06)
    : pal.night
      ? H * (0.14 + rand() * 0.14)
      : H * (0.18 + rand() * 0.18);
  return { x, y, r, glowR: r * (pal.night ? 3 : 4.5), glowAmt: pal.night ? 0.35 : 0.55, glow: pal.glow, disc: pal.sun };
}

/** Two-segment gradient: top → mid → horizon, then hold the horizon colour. */
function skyColor(pal: Palette, horizon: number, y: number): RGB {
  const t = clamp01(y / horizon);
  return t < 0.55
    ? mix(pal.skyTop, pal.skyMid, smoothstep(0, 0.55, t))
    : mix(pal.skyMid, pal.skyHorizon, smoothstep(0.55, 1, t));
}

/**
 * Paint sky and sun over rows [0, rows). Callers stop at the far range's
 * lowest ridge point: below it the land or the water covers every pixel.
 */
export function paintSky({ buf, W, pal, horizon }: Scene, sun: Sun, rows: number): void {
  const skyRows = new Float32Array(rows * 3);
  for (let y = 0; y < rows; y++) skyRows.set(skyColor(pal, horizon, y), y * 3);
  paintSkyRows(buf, W, rows, skyRows, sun);
}

/** Sky gradient (one colour per row) + sun glow + sun disc, rows [0, rows). */
function paintSkyRows(buf: Float32Array, W: number, rows: number, skyRows: Float32Array, sun: Sun): void {
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

/** Turn the night "sun" into a crescent moon by painting a sky-coloured disc over part of it. */
export function carveMoon({ buf, W, H, pal, horizon, rand }: Scene, sun: Sun): void {
  const { glowR, glowAmt } = sun;
  const offX = sun.r * (0.35 + rand() * 0.2) * (rand() < 0.5 ? -1 : 1);
  const offY = -sun.r * 0.2;
  const cx = sun.x + offX;
  const cy = sun.y + offY;
  const rr = sun.r * 0.92;
  const x0 = Math.max(0, Math.floor(cx - rr - 2));
  const x1 = Math.min(W - 1, Math.ceil(cx + rr + 2));
  const y0 = Math.max(0, Math.floor(cy - rr - 2));
  const y1 = Math.min(H - 1, Math.ceil(cy + rr + 2));
  for (let y = y0; y <= y1; y++) {
    const sky = skyColor(pal, horizon, y);
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const d = Math.sqrt(dx * dx + dy * dy);
      const a = clamp01(rr - d + 0.5) * 0.9;
      if (a <= 0) continue;
      // Keep some of the glow so the shadowed part reads as "moon in shadow".
      const sdx = x + 0.5 - sun.x;
      const sdy = y + 0.5 - sun.y;
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

/** Night stars: small points, denser and brighter near the top, none over the moon. */
export function paintStars({ buf, W, H, horizon, rand }: Scene, sun: Sun): void {
  const n = Math.round((W * H) / 6500);
  for (let k = 0; k < n; k++) {
    const x = Math.floor(rand() * W);
    const y = Math.floor(Math.pow(rand(), 1.4) * horizon * 0.85);
    const bright = (0.35 + rand() * 0.65) * (1 - y / horizon);
    const big = rand() < 0.08;
    const dx = x + 0.5 - sun.x;
    const dy = y + 0.5 - sun.y;
    if (dx * dx + dy * dy < (sun.r * 1.6) ** 2) continue;
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
