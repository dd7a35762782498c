import type { Client } from '@temporalio/client';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Config } from '../config/index.js';
import type { Storage } from '../storage/index.js';
import { createErrorHandler, notFound } from './errors.js';
import { batchesRoutes } from './routes/batches.js';
import { healthRoutes } from './routes/health.js';
import { poolRoutes } from './routes/pool.js';
import { shortsRoutes } from './routes/shorts.js';
import { videoRoutes } from './routes/video.js';

export interface ApiOptions {
  client: Client;
  config: Config;
  storage: Storage;
  /** Task queue for new shorts; defaults to `config.taskQueue` (tests use their own). */
  taskQueue?: string;
  /** Upper bound for the Temporal calls of one request, so an outage answers 503 instead of hanging. */
  temporalDeadlineMs?: number;
  /** How long /healthz waits for Temporal. */
  healthDeadlineMs?: number;
}

/** The HTTP API. Everything it talks to is passed in; the app holds no clients of its own. */
export function createApp({
  client,
  config,
  storage,
  taskQueue,
  temporalDeadlineMs = 10_000,
  healthDeadlineMs = 2_000,
}: ApiOptions): Hono {
  const app = new Hono();
  app.route('/', healthRoutes({ client, temporalAddress: config.temporal.address, deadlineMs: healthDeadlineMs }));
  app.use('/v1/*', temporalDeadline(client, temporalDeadlineMs));
  app.route('/v1/shorts', shortsRoutes({ client, config, taskQueue }));
  app.route('/v1/shorts', videoRoutes({ client, config, storage }));
  app.route('/v1/batches', batchesRoutes({ client, config, storage, taskQueue }));
  app.route('/v1/pool', poolRoutes({ client, config, storage, taskQueue }));
  app.notFound(notFound);
  app.onError(createErrorHandler(config.temporal.address));
  return app;
}

/** Without a deadline the client retries an unreachable server for ~20 s before giving up. */
function temporalDeadline(client: Client, ms: number): MiddlewareHandler {
  return async function temporalDeadline(_c, next) {
    await client.withDeadline(Date.now() + ms, next);
  };
}
