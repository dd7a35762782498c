import { TimeoutType } from '@temporalio/common';
import {
  ActivityFailure,
  CancellationScope,
  TimeoutFailure,
  patched,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { UserKeyActivities } from '../activities/userKey.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';

/**
 * Runs started with a user's own Replicate token (the API's second tier) make every prediction on
 * that token's queue, served by a key worker of its own. Only such runs take this branch: new input
 * (`replicateToken`), new commands.
 */
export const USER_KEY = 'user-replicate-key';
/**
 * While any of a run's calls waits on the user's queue, its worker is ensured every KEEPALIVE, so
 * the retry of an attempt whose worker process died is picked up (and resumes its checkpointed
 * prediction) instead of timing out unscheduled and being made again as a new, paying call.
 */
export const USER_KEY_KEEPALIVE = 'user-key-keepalive';
const KEEPALIVE = '20 seconds';

export interface UserKey {
  token: string;
  taskQueue: string;
}

const { ensureUserKeyWorker } = proxyActivities<UserKeyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes },
});

/** The user's key and queue, with a worker polling it; undefined for runs on the server's pool. */
export async function userKeyFor(input: { replicateToken?: string }): Promise<UserKey | undefined> {
  if (!input.replicateToken || !patched(USER_KEY)) return undefined;
  const { taskQueue } = await ensureUserKeyWorker({ token: input.replicateToken });
  return { token: input.replicateToken, taskQueue };
}

/**
 * The activities, each call preceded by making sure a worker serves the user's queue (the one that
 * started it may have stopped, idle, or died with its process) and kept served while it waits
 * (keptAlive), and made again when no worker took it within its schedule-to-start timeout.
 */
export function viaUserKey<T extends object>(activities: T, user: UserKey): T {
  return new Proxy(activities, {
    get(target, name) {
      const call = (target as Record<string | symbol, (...args: unknown[]) => Promise<unknown>>)[name]!;
      return async (...args: unknown[]) => {
        const attempts = async () => {
          for (let attempt = 1; ; attempt++) {
            await ensureUserKeyWorker({ token: user.token });
            try {
              return await call(...args);
            } catch (err) {
              if (attempt < 3 && notPickedUp(err)) continue;
              throw err;
            }
          }
        };
        return patched(USER_KEY_KEEPALIVE) ? keptAlive(user, attempts) : attempts();
      };
    },
  });
}

/** One keep-alive loop per user key and run, however many calls wait on it at once. */
const keepers = new WeakMap<UserKey, { waiting: number; scope?: CancellationScope }>();

async function keptAlive<T>(user: UserKey, work: () => Promise<T>): Promise<T> {
  let keeper = keepers.get(user);
  if (!keeper) keepers.set(user, (keeper = { waiting: 0 }));
  if (keeper.waiting++ === 0) {
    const scope = new CancellationScope();
    keeper.scope = scope;
    scope
      .run(async () => {
        for (;;) {
          await sleep(KEEPALIVE);
          await ensureUserKeyWorker({ token: user.token });
        }
      })
      .catch(() => undefined); // cancelled when the last call settles, or with the run
  }
  try {
    return await work();
  } finally {
    if (--keeper.waiting === 0) keeper.scope?.cancel();
  }
}

function notPickedUp(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
  );
}
