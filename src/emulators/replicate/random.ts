/**
 * Seeded pseudo-random numbers for the Replicate emulator, so latency and
 * fault decisions are reproducible run to run (same seed + same call order).
 */

import type { Rng } from '../../util/random.js';

export { createRng, type Rng } from '../../util/random.js';

/**
 * Draw a latency in milliseconds: uniform in mean × [1 − jitter, 1 + jitter].
 * `jitter` is a fraction (0.5 → ±50 %), clamped to [0, 1].
 */
export function drawLatencyMs(rng: Rng, meanSeconds: number, jitter: number): number {
  const j = Math.min(Math.max(jitter, 0), 1);
  const factor = 1 + j * (2 * rng() - 1);
  return Math.max(0, Math.round(meanSeconds * 1000 * factor));
}
