/**
 * Soft clouds: each is a cluster of flattened elliptical blobs, merged into
 * one coverage box and composited with a flat-ish, slightly warmer base.
 */
import { smoothstep, type RGB } from './color.js';
import type { Scene } from './scene.js';

/** Two to four clouds by day, at most one faint one at night. */
export function paintClouds({ buf, W, H, pal, horizon, rand }: Scene): void {
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
