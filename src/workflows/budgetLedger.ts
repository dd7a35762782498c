import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { Cost } from '../catalog/cost.js';
import type { Budget, BudgetState } from '../domain/budget.js';
import { ErrorTypes } from '../domain/errors.js';
import { raiseBudgetUpdate } from './definitions.js';

/** Runs with a budget keep a ledger; only they take this branch (new input, new commands). */
export const BUDGET_LEDGER = 'budget-ledger';

const ALERTS = [50, 80, 100];

/**
 * The run's spending, kept in the workflow's own state, so it survives any crash: a prediction
 * reserves its estimate before it starts and settles its actual cost after. One that would take
 * spent + reserved past the cap does not start: with `onExceed: "pause"` it waits (the run shows
 * `awaiting-budget`) until `raiseBudget` lifts the cap; with `"fail"` the run fails BudgetExceeded.
 * A prediction whose price is unknown reserves nothing (the catalog cannot say) and settles what
 * its metrics say, if anything.
 */
export class BudgetLedger {
  private readonly state: BudgetState;

  constructor(
    private readonly budget: Budget,
    private readonly onChange: (state: BudgetState) => void,
  ) {
    this.state = { maxUsd: budget.maxUsd, spentUsd: 0, reservedUsd: 0, alerts: [], waiting: false };
    setHandler(
      raiseBudgetUpdate,
      ({ maxUsd }) => {
        this.state.maxUsd = maxUsd;
        this.changed();
        return this.snapshot();
      },
      {
        validator: ({ maxUsd }) => {
          if (!(typeof maxUsd === 'number' && Number.isFinite(maxUsd) && maxUsd > this.state.maxUsd)) {
            throw new Error(`The new cap must be a number above the current one ($${this.state.maxUsd}).`);
          }
        },
      },
    );
  }

  snapshot(): BudgetState {
    return { ...this.state, alerts: [...this.state.alerts] };
  }

  /** Runs `work` (one prediction) inside the cap, reserving `estimateUsd` while it runs. */
  async spend<T extends { cost?: Cost }>(
    what: string,
    estimateUsd: number | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const reserve = estimateUsd ?? 0;
    while (this.committed() + reserve > this.state.maxUsd + 1e-9) {
      const message =
        `${what} would cost about $${reserve.toFixed(4)}, and the run has $${this.committed().toFixed(4)} ` +
        `spent or reserved of its $${this.state.maxUsd.toFixed(4)} cap`;
      if (this.budget.onExceed === 'fail') {
        throw ApplicationFailure.create({
          type: ErrorTypes.BudgetExceeded,
          nonRetryable: true,
          message: `${message}; it was not started. Raise budget.maxUsd and start the run again.`,
        });
      }
      log.warn(`${message}: waiting for a higher cap (raiseBudget)`);
      this.state.waiting = true;
      this.changed();
      const cap = this.state.maxUsd;
      // Wakes when the cap is raised, or when a running prediction settles below its reservation.
      const committed = this.committed();
      await condition(() => this.state.maxUsd !== cap || this.committed() < committed);
      this.state.waiting = false;
      this.changed();
    }
    this.state.reservedUsd += reserve;
    this.changed();
    try {
      const result = await work();
      this.state.spentUsd += result.cost?.usd ?? 0;
      return result;
    } finally {
      this.state.reservedUsd -= reserve;
      this.changed();
    }
  }

  private committed(): number {
    return this.state.spentUsd + this.state.reservedUsd;
  }

  private changed(): void {
    const used = (this.state.spentUsd / this.state.maxUsd) * 100;
    for (const at of ALERTS) {
      if (used >= at && !this.state.alerts.includes(at)) {
        this.state.alerts.push(at);
        log.warn(
          `The run has spent ${at} % of its budget ($${this.state.spentUsd.toFixed(4)} of $${this.state.maxUsd})`,
        );
      }
    }
    this.onChange(this.snapshot());
  }
}

/** `work` inside the ledger when the run has one; as it is otherwise. */
export function withinBudget<T extends { cost?: Cost }>(
  ledger: BudgetLedger | undefined,
  what: string,
  estimateUsd: () => number | undefined,
  work: () => Promise<T>,
): Promise<T> {
  return ledger ? ledger.spend(what, estimateUsd(), work) : work();
}
