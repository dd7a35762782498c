/**
 * Key workers for users' own Replicate tokens (the API's second auth tier). A user's work runs on
 * a task queue of its own, named by the token's fingerprint, so the token's limit is held by
 * task-queue concurrency exactly like a server key's; nothing of another user or of the server's
 * pool ever runs with it. A worker process starts the queue's worker the first time one of its
 * workflows asks (the ensureUserKeyWorker activity) and stops it after it has been idle a while.
 * The token lives only in this process's memory and, encrypted by the payload codec, in history.
 */
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { fingerprintToken, type ReplicateKey } from '../config/replicate.js';
import { maskToken } from '../security/redact.js';
import { userKeyQueueFor } from '../domain/taskQueues.js';
import type { MediaTools } from '../media/ffmpeg.js';
import { createKeyClient } from '../replicate/client.js';
import { PREFETCHED_PER_KEY } from '../replicate/keySlots.js';
import { KeyStatsRecorder, userStatsKey } from '../replicate/keyStats.js';
import type { Storage } from '../storage/index.js';
import { redactingInterceptors } from './redactFailures.js';
import { replicateActivitiesFor } from './replicateWorkers.js';

/** A user key is index 0 of its own one-key pool: checkpoints name it by index and fingerprint. */
export const USER_KEY_INDEX = 0;

export interface UserKeyWorkerOptions {
  connect: () => Promise<NativeConnection>;
  namespace: string;
  taskQueue: string;
  dataConverter: DataConverter;
  baseUrl: string;
  storage: Storage;
  tools: MediaTools;
  /** Predictions at once per user token (USER_KEY_CONCURRENCY). */
  concurrency: number;
  /** How long a user's worker may sit without work before it stops. */
  idleMs: number;
  createsPerSecond: number;
}

interface Running {
  worker: Worker;
  connection: NativeConnection;
  done: Promise<void>;
  lastBusy: number;
  stats: KeyStatsRecorder;
}

export class UserKeyWorkers {
  private readonly running = new Map<string, Promise<Running>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: UserKeyWorkerOptions) {
    this.sweeper = setInterval(() => void this.stopIdle(), Math.min(30_000, options.idleMs / 2));
    this.sweeper.unref();
  }

  /** The user's queue, with a worker of this process polling it (started now if it was not). */
  async ensure(token: string): Promise<{ taskQueue: string; key: string }> {
    const fingerprint = fingerprintToken(token);
    const taskQueue = userKeyQueueFor(this.options.taskQueue, fingerprint);
    let entry = this.running.get(fingerprint);
    if (!entry) {
      entry = this.start(token, fingerprint, taskQueue);
      this.running.set(fingerprint, entry);
      entry.catch(() => this.running.delete(fingerprint));
    }
    (await entry).lastBusy = Date.now();
    return { taskQueue, key: maskToken(token) };
  }

  /** Workers serving user keys now, by masked key: for logs and tests. */
  async serving(): Promise<string[]> {
    const all = await Promise.allSettled([...this.running.values()]);
    return all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stats.snapshot().key] : []));
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.running.keys()];
    await Promise.all(all.map((fingerprint) => this.stop(fingerprint)));
  }

  private async start(token: string, fingerprint: string, taskQueue: string): Promise<Running> {
    const o = this.options;
    const key: ReplicateKey = {
      index: USER_KEY_INDEX,
      token,
      concurrency: o.concurrency,
      masked: maskToken(token),
      fingerprint,
    };
    const own = createKeyClient(key, o.baseUrl);
    const stats = new KeyStatsRecorder(key, o.storage, own.slots, 500, userStatsKey(fingerprint));
    await stats.flush();
    const connection = await o.connect();
    const worker = await Worker.create({
      connection,
      namespace: o.namespace,
      taskQueue,
      identity: `${process.pid}@${process.env.HOSTNAME ?? 'localhost'}/user-key-${fingerprint}`,
      activities: replicateActivitiesFor({
        own,
        pool: new Map([[USER_KEY_INDEX, own]]),
        storage: o.storage,
        tools: o.tools,
        stats,
      }),
      interceptors: redactingInterceptors,
      dataConverter: o.dataConverter,
      maxConcurrentActivityTaskExecutions: key.concurrency + PREFETCHED_PER_KEY,
      maxActivitiesPerSecond: o.createsPerSecond,
      maxHeartbeatThrottleInterval: '1 second',
    });
    const entry: Running = { worker, connection, done: worker.run(), lastBusy: Date.now(), stats };
    entry.done.catch(() => undefined);
    return entry;
  }

  private async stopIdle(): Promise<void> {
    for (const [fingerprint, pending] of this.running) {
      const entry = await pending.catch(() => undefined);
      if (!entry) continue;
      if (entry.worker.getStatus().numInFlightActivities > 0) entry.lastBusy = Date.now();
      else if (Date.now() - entry.lastBusy > this.options.idleMs) await this.stop(fingerprint);
    }
  }

  private async stop(fingerprint: string): Promise<void> {
    const pending = this.running.get(fingerprint);
    this.running.delete(fingerprint);
    const entry = await pending?.catch(() => undefined);
    if (!entry) return;
    entry.worker.shutdown();
    await entry.done;
    await entry.stats.flush();
    await entry.connection.close();
  }
}
