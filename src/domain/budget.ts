import { z } from 'zod';

/**
 * A run's spending cap: predictions that would take it past `maxUsd` are not started; the run then
 * waits in `awaiting-budget` for a higher cap (`pause`, the default) or fails BudgetExceeded (`fail`).
 */
export const budgetSchema = z
  .object({
    maxUsd: z.number().positive().max(100_000),
    onExceed: z.enum(['pause', 'fail']).default('pause'),
  })
  .strict();

export type Budget = z.output<typeof budgetSchema>;

export const raiseBudgetSchema = z.object({ maxUsd: z.number().positive().max(100_000) }).strict();

/** The ledger a run with a budget keeps in its own state, as its progress shows it. */
export interface BudgetState {
  maxUsd: number;
  /** Settled: what finished predictions cost. */
  spentUsd: number;
  /** Reserved: the estimates of predictions running now. */
  reservedUsd: number;
  /** The alert thresholds crossed so far (50, 80, 100 % of the cap). */
  alerts: number[];
  /** True while a prediction waits for a higher cap. */
  waiting: boolean;
}
