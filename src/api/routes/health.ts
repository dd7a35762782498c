import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { errorBody, methodNotAllowed, temporalUnavailableMessage } from '../errors.js';

export interface HealthRoutesOptions {
  client: Client;
  temporalAddress: string;
  /** How long Temporal gets to answer before the API reports itself degraded. */
  deadlineMs?: number;
}

/** GET /healthz: up when Temporal answers a cheap call within the deadline. */
export function healthRoutes({ client, temporalAddress, deadlineMs = 2000 }: HealthRoutesOptions): Hono {
  const routes = new Hono();

  routes.get('/healthz', async function healthz(c) {
    try {
      await client.withDeadline(Date.now() + deadlineMs, () => client.workflowService.getSystemInfo({}));
      return c.json({ status: 'ok', temporal: 'up' });
    } catch {
      // Whatever the cause, the API cannot do its work without Temporal: degraded, not crashed.
      const body = errorBody('temporal_unavailable', temporalUnavailableMessage(temporalAddress));
      return c.json({ status: 'degraded', temporal: 'down', ...body }, 503);
    }
  });

  routes.all('/healthz', methodNotAllowed(['GET', 'HEAD']));
  return routes;
}
