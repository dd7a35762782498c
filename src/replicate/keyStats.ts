import type { ReplicateKey } from '../config/replicate.js';
import type { Storage } from '../storage/index.js';

/** What `GET /v1/pool` shows per key. Written by the process that serves the key. */
export interface KeyStats {
  index: number;
  key: string;
  limit: number;
  inFlight: number;
  completed: number;
  failed: number;
  lastError?: { type: string; message: string; at: string };
  servedBy: string;
  updatedAt: string;
}

export const poolStatsKey = (index: number) => `pool/key-${index}.json`;
/** A user's own key's stats, by its fingerprint (users' keys have no index in the pool). */
export const userStatsKey = (fingerprint: string) => `pool/users/${fingerprint}.json`;

/**
 * Counts one key's predictions in this process and publishes them to storage (shared with the API)
 * at most every `flushMs`. Best effort by design: statistics must never fail a prediction.
 */
export class KeyStatsRecorder {
  private stats: KeyStats;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    key: ReplicateKey,
    private readonly storage: Storage,
    /** Where "in flight" is read from: predictions running upstream, not activities waiting for a slot. */
    private readonly slots?: { inUse: number },
    private readonly flushMs = 500,
    /** Where the stats are published; a server key's by its index. */
    private readonly statsKey = poolStatsKey(key.index),
  ) {
    this.stats = {
      index: key.index,
      key: key.masked,
      limit: key.concurrency,
      inFlight: 0,
      completed: 0,
      failed: 0,
      servedBy: `${process.pid}@${process.env.HOSTNAME ?? 'localhost'}`,
      updatedAt: new Date().toISOString(),
    };
  }

  started(): void {
    this.stats.inFlight++;
    this.schedule();
  }

  finished(outcome: 'completed' | 'failed', error?: { type: string; message: string }): void {
    this.stats.inFlight = Math.max(0, this.stats.inFlight - 1);
    this.stats[outcome]++;
    if (error) this.stats.lastError = { ...error, at: new Date().toISOString() };
    this.schedule();
  }

  snapshot(): KeyStats {
    return { ...this.stats, ...(this.slots ? { inFlight: this.slots.inUse } : {}) };
  }

  /** Publishes now (at start, so a key shows up before its first prediction, and at shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stats.updatedAt = new Date().toISOString();
    if (this.slots) this.stats.inFlight = this.slots.inUse;
    await this.storage.write(this.statsKey, JSON.stringify(this.stats)).catch(() => {});
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }
}
