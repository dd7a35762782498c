/**
 * The water plane: a rippled reflection of the scene above the waterline,
 * sun glints on it, and a faint bright line where it meets the far shore.
 */
import type { RGB } from './color.js';
import type { Scene } from './scene.js';
import type { Sun } from './sky.js';

/**
 * Paint the water from the waterline down. It mirrors what is already painted
 * above, so call it after the sky and the layers behind the water, and before
 * the banks in front of it.
 */
export function paintWater(scene: Scene, sun: Sun): void {
  const { buf, W, H, S, pal } = scene;
  const wl = Math.floor(scene.waterline);
  paintReflection(buf, W, H, wl, S, pal.water, pal.near);
  paintGlints(scene, wl, sun.x);
  paintShoreline(scene, wl);
}

/** Glints: short soft horizontal dashes of sun colour, clustered under the sun. */
function paintGlints({ buf, W, H, pal, rand }: Scene, wl: number, sunX: number): void {
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

/** A thin bright line right at the waterline reads as "distant shore". */
function paintShoreline({ buf, W, pal }: Scene, wl: number): void {
  const i0 = wl * W * 3;
  for (let x = 0; x < W; x++) {
    for (let c = 0; c < 3; c++) {
      buf[i0 + x * 3 + c] = buf[i0 + x * 3 + c]! + (pal.skyHorizon[c]! - buf[i0 + x * 3 + c]!) * 0.25;
    }
  }
}

/**
 * Water from row `wl` down: a rippled, slightly compressed mirror image of
 * what is above the waterline, tinted towards the water colour with depth.
 * A standalone loop over typed arrays so V8 optimises it on the first render.
 */
function paintReflection(buf: Float32Array, W: number, H: number, wl: number, S: number, water: RGB, deep: RGB): void {
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
