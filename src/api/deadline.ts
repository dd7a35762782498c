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
        work.catch(() => undefined);
        c.res = c.json(errorBody('temporal_unavailable', temporalUnavailableMessage(temporalAddress)), 503);
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
