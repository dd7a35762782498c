/**
 * What a run spent: each prediction's cost (from the model catalog and the prediction's own
 * metrics, src/catalog/cost.ts) summed per scene, per run and per batch. A prediction whose price is
 * unknown is counted as such, never as free: `usd` then covers only the priced ones. Pure, so the
 * workflows sum their activities' costs themselves.
 */
import type { Cost } from '../catalog/cost.js';

export type { Cost } from '../catalog/cost.js';

export interface CostSummary {
  /** The priced predictions' total, rounded to 1/10,000 of a dollar. */
  usd: number;
  /** Predictions paid for (a cache hit or an offline step is none). */
  predictions: number;
  /** Predictions among them whose price is unknown (an uncatalogued model, missing metrics). */
  unpriced: number;
}

export function sumCosts(costs: (Cost | undefined)[]): CostSummary {
  const paid = costs.filter((c): c is Cost => c !== undefined);
  const usd = paid.reduce((sum, c) => sum + (c.usd ?? 0), 0);
  return {
    usd: Math.round(usd * 10_000) / 10_000,
    predictions: paid.length,
    unpriced: paid.filter((c) => c.usd === undefined).length,
  };
}

/** "$0.0123 · 3 predictions", "$0.0100 · 2 predictions, 1 without a known price". */
export function describeCost(cost: CostSummary): string {
  if (cost.predictions === 0) return 'nothing paid (no predictions)';
  const n = `${cost.predictions} prediction${cost.predictions === 1 ? '' : 's'}`;
  const unknown = cost.unpriced ? `, ${cost.unpriced} without a known price` : '';
  return `$${cost.usd.toFixed(4)} · ${n}${unknown}`;
}
