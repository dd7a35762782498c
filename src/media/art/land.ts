/**
 * The land: silhouette layers from far to near. A jagged (or dune) far range
 * on the horizon, rolling middle hills with trees, and, when there is water,
 * two banks framing it from the sides.
 */
import { hex, mix } from './color.js';
import { addTrees, layerRows, makeRidge, ridgeMin, type Layer } from './layers.js';
import { hazed } from './palettes.js';
import type { Scene } from './scene.js';

/**
 * Where layers behind the water stop: just past the waterline, since the
 * reflection overwrites everything below it.
 */
const landBottom = ({ water, waterline, H }: Scene): number => (water ? Math.ceil(waterline) + 1 : H);

/** The far range on the horizon: jagged mountains (or smooth dunes), sometimes snow-capped. */
export function farRange(scene: Scene): Layer {
  const { W, H, pal, horizon, seed, rand } = scene;
  const farColor = hazed(pal, pal.far, 0.15);
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
    rowColor: layerRows(H, top, farColor, hazed(pal, farColor, 0.6), 0.85, (horizon - top) * 1.3 + H * 0.04),
    yStart: Math.floor(top),
    yEnd: landBottom(scene),
  };
  if (pal.snowCaps || (!pal.dunes && !pal.night && rand() < 0.35)) {
    const cap = new Float32Array(W);
    const depth = (horizon - top) * 0.45;
    for (let x = 0; x < W; x++)
      cap[x] = top + depth + Math.sin(x * 0.05 + seed) * depth * 0.18 + Math.sin(x * 0.013) * depth * 0.3;
    layer.cap = cap;
    layer.capColor = mix(hex('#ffffff'), pal.skyHorizon, 0.25);
  }
  return layer;
}

/**
 * Middle hills, far to near, each darker and less hazy than the one behind.
 * With water there is one low strip just behind the waterline; otherwise two
 * or three step down towards the bottom of the frame.
 */
export function middleRanges(scene: Scene): Layer[] {
  const { W, H, pal, horizon, water, rand } = scene;
  const forest = scene.theme === 'forest';
  const layers: Layer[] = [];
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
    layers.push({
      ridge,
      rowColor: layerRows(H, top, color, hazed(pal, color, 0.5 * (1 - ct) + 0.1), 0.9, H * (0.06 + 0.03 * t)),
      yStart: Math.floor(top),
      yEnd: landBottom(scene),
    });
  }
  return layers;
}

/** Banks in front of the water: one big hill entering from a side, a smaller one on the other. */
export function riverBanks(scene: Scene): Layer[] {
  const { W, H, pal, rand } = scene;
  const forest = scene.theme === 'forest';
  const banks: Layer[] = [];
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
    banks.push({
      ridge,
      rowColor: layerRows(H, top, color, hazed(pal, color, 0.2), 0.6, H * 0.12),
      yStart: Math.floor(top),
      yEnd: H,
    });
  }
  return banks;
}
