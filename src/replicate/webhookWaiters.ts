import type { Prediction } from 'replicate';

/** Statuses after which a prediction never changes again: the only ones a waiter wants. */
export function isTerminalStatus(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

interface Waiter {
  keyIndex: number;
  resolve: (prediction: Prediction) => void;
}

interface Kept {
  prediction: Prediction;
  keyIndex: number;
  at: number;
}

export interface Registration {
  /** Resolves with the terminal prediction once its webhook arrives; never rejects. */
  arrived: Promise<Prediction>;
  /** Stop waiting (always call it, whatever ended the wait). */
  dispose(): void;
}

/**
 * Meets webhooks (pushed by the receiver) and the activities waiting for them, in one process, by
 * prediction id. A webhook can beat its waiter (a fast prediction finishing before `create`
 * returns), so terminal predictions nobody waits for yet are kept for `keepMs`; a waiter only takes
 * a prediction pushed under the key that created it, since each account signs with its own secret.
 */
export class PredictionWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly keepMs = 60_000,
    private readonly maxKept = 10_000,
  ) {}

  register(id: string, keyIndex: number): Registration {
    let waiter: Waiter | undefined;
    const arrived = new Promise<Prediction>((resolve) => {
      waiter = { keyIndex, resolve };
    });
    const early = this.fresh(id);
    if (early && early.keyIndex === keyIndex) waiter!.resolve(early.prediction);
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(waiter!);
    return {
      arrived,
      dispose: () => {
        set.delete(waiter!);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
      },
    };
  }

  /**
   * A verified webhook's prediction, pushed under `keyIndex`. Returns how many waiters it woke;
   * non-terminal updates are ignored (we subscribe to 'completed' only; anything else is noise).
   */
  deliver(prediction: Prediction, keyIndex: number): number {
    if (!isTerminalStatus(prediction.status)) return 0;
    this.sweep();
    // Kept even when someone is waiting: a retried attempt in this process may register next.
    this.kept.set(prediction.id, { prediction, keyIndex, at: Date.now() });
    let woken = 0;
    for (const w of this.waiters.get(prediction.id) ?? []) {
      if (w.keyIndex !== keyIndex) continue;
      w.resolve(prediction);
      woken++;
    }
    return woken;
  }

  /** Waiting registrations, for tests and shutdown checks. */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  private fresh(id: string): Kept | undefined {
    const kept = this.kept.get(id);
    return kept && Date.now() - kept.at <= this.keepMs ? kept : undefined;
  }

  /** Map order is arrival order, so the stale entries are at the front. */
  private sweep(): void {
    const now = Date.now();
    for (const [id, kept] of this.kept) {
      if (now - kept.at <= this.keepMs && this.kept.size < this.maxKept) break;
      this.kept.delete(id);
    }
  }
}
