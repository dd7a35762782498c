import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { getPoolStatus } from '../../client/pool.js';
import type { Config } from '../../config/index.js';
import type { Storage } from '../../storage/index.js';
import { methodNotAllowed } from '../errors.js';

export interface PoolRoutesOptions {
  client: Client;
  config: Config;
  storage: Storage;
  /** Main task queue whose Replicate queue is checked for key workers; defaults to `config.taskQueue`. */
  taskQueue?: string;
  /** How long Temporal gets to say which key workers poll; the answer comes without it after that. */
  deadlineMs?: number;
}

/**
 * GET /v1/pool: the Replicate key pool, per key its masked id, limit, in flight, completed, failed,
 * last error and health (rules in client/pool.ts). Answers from storage even when Temporal is down.
 */
export function poolRoutes({ client, config, storage, taskQueue, deadlineMs = 2000 }: PoolRoutesOptions): Hono {
  const routes = new Hono();

  routes.get('/', async function getPool(c) {
    c.header('Cache-Control', 'no-store');
    return c.json(await getPoolStatus(config, storage, { client, taskQueue, deadlineMs }));
  });

  routes.all('/', methodNotAllowed(['GET', 'HEAD']));
  return routes;
}
