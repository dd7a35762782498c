/**
 * Seeded pseudo-random numbers for the Replicate emulator, so latency and
 * fault decisions are reproducible run to run (same seed + same call order).
 */

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test jitter. Returns [0, 1). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draw a latency in milliseconds: uniform in mean × [1 − jitter, 1 + jitter].
 * `jitter` is a fraction (0.5 → ±50 %), clamped to [0, 1].
 */
export function drawLatencyMs(rng: Rng, meanSeconds: number, jitter: number): number {
  const j = Math.min(Math.max(jitter, 0), 1);
  const factor = 1 + j * (2 * rng() - 1);
  return Math.max(0, Math.round(meanSeconds * 1000 * factor));
}
