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
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    this.free = limit;
  }

  /** Predictions running upstream on this key now. */
  get inUse(): number {
    return this.limit - this.free;
  }

  /**
   * Waits for a slot, calling `whileWaiting` about every `tickMs` (activities heartbeat there), and
   * gives up when `signal` aborts. Returns the release function; calling it twice releases once.
   */
  async acquire(signal: AbortSignal, whileWaiting: () => void, tickMs = 1000): Promise<() => void> {
    while (this.free === 0) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', wake);
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve();
        };
        const timer = setTimeout(wake, tickMs);
        signal.addEventListener('abort', wake, { once: true });
        this.waiting.push(wake);
      });
      if (this.free === 0) whileWaiting();
    }
    this.free--;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free++;
      this.waiting.shift()?.();
    };
  }
}

/** Activities a key worker takes beyond the key's limit: the ones waiting for the next free slot. */
export const PREFETCHED_PER_KEY = 1;
