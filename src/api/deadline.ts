import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { errorBody, temporalUnavailableMessage } from './errors.js';

/**
 * Holds a request's Temporal work to `ms`. Each gRPC call gets the deadline, but a call can outlive
 * it (connecting to a server that is down takes its own time, and a request may make several calls),
 * so a timer answers 503 at the deadline whatever is still pending; the late work is left to finish
 * or fail unseen. Without any deadline the client retries an unreachable server for ~20 s.
 */
export function temporalDeadline(client: Client, ms: number, temporalAddress: string): MiddlewareHandler {
  const late = lateWorkOf(client);
  return async function temporalDeadline(c, next) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), ms);
    });
    // The calls themselves stop a little earlier, so their own error usually explains the outage.
    const work = client.withDeadline(Date.now() + Math.max(1, ms - 250), next);
    try {
      const outcome = await Promise.race([work, expired]);
      if (outcome === 'expired') {
        // Still running: its own gRPC deadline ends it soon. Tracked, so whoever closes the client's
        // connection can wait for it first (a retry that fires on a closed channel throws).
        const settled = work.then(
          () => undefined,
          () => undefined,
        );
        late.add(settled);
        void settled.then(() => late.delete(settled));
        c.res = c.json(errorBody('temporal_unavailable', temporalUnavailableMessage(temporalAddress)), 503);
      }
    } finally {
      clearTimeout(timer);
    }
  };
}

const lateWork = new WeakMap<Client, Set<Promise<void>>>();

function lateWorkOf(client: Client): Set<Promise<void>> {
  let set = lateWork.get(client);
  if (!set) lateWork.set(client, (set = new Set()));
  return set;
}

/** Resolves once every request that answered 503 at its deadline has also finished its Temporal calls. */
export async function drainLateTemporalWork(client: Client): Promise<void> {
  await Promise.all(lateWorkOf(client));
}
