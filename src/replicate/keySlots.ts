/**
 * One key's upstream concurrency in this process: how many of its predictions may be running on
 * Replicate at once. The key worker takes one activity more than the key's limit, so the next
 * prediction is already here, waiting on a slot, when one frees: it is created the moment the last
 * one ends, instead of after a round trip to Temporal for a new task. And a slot is held only while
 * a prediction runs upstream: copying a finished output (a clip is megabytes) happens after the
 * slot is given back. Each key is served by exactly one process (WORKER_REPLICATE_KEYS), so this
 * count is the key's count.
 */
export class KeySlots {
  private free: number;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {
    this.free = limit;
  }

  /** Predictions running upstream on this key now. */
  get inUse(): number {
    return this.limit - this.free;
  }

  /**
   * Waits for a slot, calling `whileWaiting` about every `tickMs` (activities heartbeat there), and
   * gives up when `signal` aborts. `run` names the asking run (its workflow ID). Returns the release
   * function; calling it twice releases once. `release(true)`: its holder was cancelled. The run's
   * other activities already waiting here are then passed over for CANCEL_GRACE_MS: their own
   * cancellation is on its way (it reaches them at their next heartbeat), and they must not start
   * paying for a prediction in between. Other runs' waiters take the slot at once.
   */
  async acquire(
    signal: AbortSignal,
    whileWaiting: () => void,
    tickMs = 1000,
    run?: string,
  ): Promise<(afterCancel?: boolean) => void> {
    const me: Waiter = { wake: () => undefined, run, barredUntil: 0 };
    while (this.free === 0 || me.barredUntil > Date.now()) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        me.wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', me.wake);
          const at = this.waiting.indexOf(me);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve();
        };
        const timer = setTimeout(me.wake, tickMs);
        signal.addEventListener('abort', me.wake, { once: true });
        this.waiting.push(me);
      });
      if (this.free === 0 || me.barredUntil > Date.now()) whileWaiting();
    }
    signal.throwIfAborted();
    this.free--;
    let released = false;
    return (afterCancel = false) => {
      if (released) return;
      released = true;
      const now = Date.now();
      if (afterCancel && run !== undefined) {
        for (const w of this.waiting) if (w.run === run) w.barredUntil = now + CANCEL_GRACE_MS;
      }
      this.free++;
      this.waiting.find((w) => w.barredUntil <= now)?.wake();
    };
  }
}

interface Waiter {
  wake: () => void;
  run?: string;
  /** Passed over until then (a sibling of a cancelled holder). */
  barredUntil: number;
}

/** More than a heartbeat round (heartbeats go out at least every second, waiting ones too). */
export const CANCEL_GRACE_MS = 2500;

/** Activities a key worker takes beyond the key's limit: the ones waiting for the next free slot. */
export const PREFETCHED_PER_KEY = 1;
