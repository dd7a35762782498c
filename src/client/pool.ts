import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { ReplicateKey } from '../config/replicate.js';
import { redactSecrets } from '../security/redact.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import { type KeyStats, poolStatsKey } from '../replicate/keyStats.js';
import { ReplicateErrorTypes } from '../replicate/errors.js';
import { readdir } from 'node:fs/promises';
import type { Storage } from '../storage/index.js';

/**
 * The Replicate key pool as `GET /v1/pool` and `reelflow pool` show it. Built from the configured
 * keys (so a key nobody serves still shows up) merged with the stats each key's worker publishes to
 * storage (`pool/key-<n>.json`, see KeyStatsRecorder), and, when a Temporal client is passed, with
 * the pollers of the Replicate task queue (each key worker's identity ends in `/replicate-key-<n>`).
 * Only masked keys ever leave here.
 *
 * Health of one key, first rule that applies wins:
 *   1. not-served — no worker has published stats for this key (or the file belongs to a different
 *                   token at the same index) and no worker polls for it.
 *   2. failing    — its last error, less than an hour old, says the key itself is unusable:
 *                   invalid token (ReplicateAuthFailed) or no credit (ReplicateOutOfCredit).
 *   3. degraded   — its last error is less than 5 minutes old and is about the key or the service
 *                   (429, 5xx, network, transient model errors, anything unknown). Errors about the
 *                   request itself (unknown model, invalid input, the model's own failure, a
 *                   cancellation) say nothing about the key and are ignored here.
 *   4. degraded   — predictions are in flight but their worker looks gone: Temporal says nobody
 *                   polls for the key, or (without Temporal) the stats have not changed for 2 minutes.
 *                   Without Temporal a single prediction longer than 2 minutes also trips this.
 *   5. not-served — Temporal says nobody polls for the key and nothing is in flight: its worker
 *                   stopped; the numbers shown are its last ones.
 *   6. healthy    — predictions are in flight.
 *   7. idle       — served, nothing in flight. (Also a key that a worker polls for but whose stats
 *                   are not in this storage: that worker writes to another DATA_DIR.)
 */
export type KeyHealth = 'healthy' | 'degraded' | 'failing' | 'idle' | 'not-served';

/** A key's published stats (servedBy and updatedAt absent when never published) plus its health. */
export interface PoolKeyStatus extends Omit<KeyStats, 'servedBy' | 'updatedAt'> {
  health: KeyHealth;
  /** Whether a worker for this key polls Temporal; absent when Temporal was not asked or did not answer. */
  polling?: boolean;
  /** `<pid>@<host>` of the process that published the stats. */
  servedBy?: string;
  updatedAt?: string;
}

export interface PoolStatus {
  keys: PoolKeyStatus[];
  totals: { limit: number; inFlight: number; completed: number; failed: number };
  /** Without credentials or query string. */
  baseUrl: string;
  configured: boolean;
  /** Where `polling` comes from: 'up' Temporal answered, 'down' it did not, 'not-checked' no client or no keys. */
  temporal: 'up' | 'down' | 'not-checked';
  /** Users' own tokens that have had a key worker (masked), each on a queue of its own. */
  userKeys: UserKeyStatus[];
}

export interface UserKeyStatus {
  key: string;
  limit: number;
  inFlight: number;
  completed: number;
  failed: number;
  updatedAt: string;
}

export interface PoolStatusOptions {
  /** Asks Temporal which key workers poll; without it `polling` is left out. */
  client?: Client;
  /** Main task queue (the Replicate queue is derived from it); defaults to `config.taskQueue`. */
  taskQueue?: string;
  /** How long Temporal gets to answer. */
  deadlineMs?: number;
  now?: Date;
}

export const FAILING_WINDOW_MS = 60 * 60_000;
export const DEGRADED_WINDOW_MS = 5 * 60_000;
export const STALE_STATS_MS = 2 * 60_000;
/** An idle worker re-polls about once a minute, so a poller last seen longer ago has gone away. */
const POLLER_FRESH_MS = 70_000;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

const KEY_UNUSABLE: readonly string[] = [ReplicateErrorTypes.AuthFailed, ReplicateErrorTypes.OutOfCredit];
const ABOUT_THE_REQUEST: readonly string[] = [
  ReplicateErrorTypes.ModelNotFound,
  ReplicateErrorTypes.InvalidInput,
  ReplicateErrorTypes.PredictionFailed,
  ReplicateErrorTypes.PredictionCanceled,
  'CancelledFailure',
];

export async function getPoolStatus(
  config: Config,
  storage: Storage,
  options: PoolStatusOptions = {},
): Promise<PoolStatus> {
  const { keys } = config.replicate;
  const now = (options.now ?? new Date()).getTime();
  const [stats, pollers] = await Promise.all([
    Promise.all(keys.map((key) => readStats(storage, key))),
    options.client && keys.length
      ? pollingKeys(options.client, config, options.taskQueue ?? config.taskQueue, options.deadlineMs ?? 2000, now)
      : Promise.resolve(undefined),
  ]);
  const temporal = !options.client || keys.length === 0 ? 'not-checked' : pollers ? 'up' : 'down';

  const rows = keys.map((key, i): PoolKeyStatus => {
    const s = stats[i];
    const polling = pollers?.has(key.index);
    const row: PoolKeyStatus = {
      index: key.index,
      key: key.masked,
      limit: s?.limit ?? key.concurrency,
      inFlight: s?.inFlight ?? 0,
      completed: s?.completed ?? 0,
      failed: s?.failed ?? 0,
      ...(s?.lastError ? { lastError: { ...s.lastError, message: scrubTokens(s.lastError.message, keys) } } : {}),
      health: 'not-served',
      ...(polling !== undefined ? { polling } : {}),
      ...(s ? { servedBy: scrubTokens(s.servedBy, keys), updatedAt: s.updatedAt } : {}),
    };
    row.health = healthOf(row, s !== undefined, now);
    return row;
  });

  const sum = (field: 'limit' | 'inFlight' | 'completed' | 'failed') => rows.reduce((n, r) => n + r[field], 0);
  return {
    keys: rows,
    totals: { limit: sum('limit'), inFlight: sum('inFlight'), completed: sum('completed'), failed: sum('failed') },
    baseUrl: publicUrl(config.replicate.baseUrl),
    configured: keys.length > 0,
    temporal,
    userKeys: await readUserKeys(storage),
  };
}

/** The stats users' key workers publish (pool/users/<fingerprint>.json); their `key` is masked already. */
async function readUserKeys(storage: Storage): Promise<UserKeyStatus[]> {
  const names = await readdir(storage.localPath('pool/users')).catch(() => [] as string[]);
  const rows = await Promise.all(
    names
      .filter((n) => /^[0-9a-f]{12}\.json$/.test(n))
      .map(async (name) => {
        try {
          const s = JSON.parse((await storage.read(`pool/users/${name}`)).toString('utf8')) as KeyStats;
          const masked = /^.{0,3}…[A-Za-z0-9_-]{0,4}$/.test(s.key) ? s.key : '…';
          return {
            key: masked,
            limit: s.limit,
            inFlight: s.inFlight,
            completed: s.completed,
            failed: s.failed,
            updatedAt: s.updatedAt,
          };
        } catch {
          return undefined;
        }
      }),
  );
  return rows.filter((r): r is UserKeyStatus => r !== undefined);
}

/** The rules in the comment at the top, in the same order. */
function healthOf(row: PoolKeyStatus, hasStats: boolean, now: number): KeyHealth {
  if (!hasStats && row.polling !== true) return 'not-served';
  const error = row.lastError;
  const errorAge = error ? now - Date.parse(error.at) : Infinity;
  if (error && KEY_UNUSABLE.includes(error.type) && errorAge < FAILING_WINDOW_MS) return 'failing';
  if (error && !ABOUT_THE_REQUEST.includes(error.type) && errorAge < DEGRADED_WINDOW_MS) return 'degraded';
  if (row.inFlight > 0) {
    const statsAge = row.updatedAt ? now - Date.parse(row.updatedAt) : Infinity;
    if (row.polling === false || (row.polling === undefined && !(statsAge < STALE_STATS_MS))) return 'degraded';
    return 'healthy';
  }
  if (row.polling === false) return 'not-served';
  return 'idle';
}

/** The key's published stats, or undefined when there are none (or they belong to another token). */
async function readStats(storage: Storage, key: ReplicateKey): Promise<KeyStats | undefined> {
  let parsed: Partial<KeyStats>;
  try {
    parsed = JSON.parse((await storage.read(poolStatsKey(key.index))).toString('utf8')) as Partial<KeyStats>;
  } catch {
    return undefined; // missing, or caught mid-write by a foreign tool: show the key as not served
  }
  if (parsed.key !== key.masked) return undefined;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  const e = parsed.lastError;
  return {
    index: key.index,
    key: key.masked,
    limit: count(parsed.limit) || key.concurrency,
    inFlight: count(parsed.inFlight),
    completed: count(parsed.completed),
    failed: count(parsed.failed),
    ...(e && typeof e.type === 'string' && typeof e.message === 'string' && typeof e.at === 'string'
      ? { lastError: { type: e.type, message: e.message, at: e.at } }
      : {}),
    servedBy: typeof parsed.servedBy === 'string' ? parsed.servedBy : 'unknown',
    updatedAt: typeof parsed.updatedAt === 'string' ? parsed.updatedAt : new Date(0).toISOString(),
  };
}

/** Key indices whose worker polled the Replicate queue lately; undefined when Temporal did not answer. */
async function pollingKeys(
  client: Client,
  config: Config,
  taskQueue: string,
  deadlineMs: number,
  now: number,
): Promise<Set<number> | undefined> {
  try {
    const response = await client.withDeadline(Date.now() + deadlineMs, () =>
      client.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: replicateQueueFor(taskQueue) },
        taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
      }),
    );
    const polling = new Set<number>();
    for (const p of response.pollers ?? []) {
      const seenMs = Number(p.lastAccessTime?.seconds ?? 0) * 1000 + Math.floor((p.lastAccessTime?.nanos ?? 0) / 1e6);
      const match = /\/replicate-key-(\d+)$/.exec(p.identity ?? '');
      if (match && seenMs >= now - POLLER_FRESH_MS) polling.add(Number(match[1]));
    }
    return polling;
  } catch {
    return undefined; // Temporal is optional here: the stats alone still make a useful answer
  }
}

/** Belt and braces: whatever a worker wrote, a configured token (or anything token-shaped) leaves masked. */
function scrubTokens(text: string, keys: readonly ReplicateKey[]): string {
  return redactSecrets(
    text,
    keys.map((k) => k.token),
  );
}

/** The base URL without user info, query or fragment, which could carry credentials. */
function publicUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
