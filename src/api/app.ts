import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import type { Config } from '../config/index.js';
import { RUN_KINDS } from '../runs/registry.js';
import { RunService } from '../runs/service.js';
import type { Storage } from '../storage/index.js';
import { authTiers } from './auth.js';
import { temporalDeadline } from './deadline.js';
import { createErrorHandler, notFound } from './errors.js';
import { payloadCodecFor } from '../temporal/dataConverter.js';
import { approvalRoutes } from './routes/approval.js';
import { codecRoutes } from './routes/codec.js';
import { estimateRoutes } from './routes/estimate.js';
import { healthRoutes } from './routes/health.js';
import { videoShortsRoutes } from './routes/videoShorts.js';
import { videoRoutes } from './routes/videos.js';
import { imageRoutes } from './routes/images.js';
import { revisionRoutes } from './routes/revisions.js';
import { poolRoutes } from './routes/pool.js';
import { runRoutes } from './runRoutes.js';

export interface ApiOptions {
  client: Client;
  config: Config;
  storage: Storage;
  /** Task queue for new runs; defaults to `config.taskQueue` (tests use their own). */
  taskQueue?: string;
  /** Upper bound for one request's Temporal work, so an outage answers 503 instead of hanging. */
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
  const runs = new RunService(client, config);
  app.route('/', healthRoutes({ client, temporalAddress: config.temporal.address, deadlineMs: healthDeadlineMs }));
  app.route('/codec', codecRoutes({ codec: () => payloadCodecFor(config.payloads), server: config.api.codec }));
  // Who may ask, and with whose Replicate key (api/auth.ts), before anything else of /v1 runs.
  app.use('/v1/*', authTiers(config));
  app.use('/v1/*', temporalDeadline(client, temporalDeadlineMs, config.temporal.address));
  app.route('/v1/shorts', approvalRoutes({ client, runs, maxBodyBytes: config.api.maxBodyBytes }));
  app.route('/v1/shorts', revisionRoutes({ runs, storage, taskQueue, maxBodyBytes: config.api.maxBodyBytes }));
  // Before the images kind's own routes: POST /v1/images/:tool takes pictures in.
  app.route('/v1/images', imageRoutes({ client, runs, config, storage, taskQueue }));
  // Before the videos kind's own routes: POST /v1/videos checks the URL or takes the upload in.
  app.route('/v1/videos', videoRoutes({ runs, config, storage, taskQueue }));
  app.route('/v1/videos', videoShortsRoutes({ runs, taskQueue }));
  for (const kind of RUN_KINDS) app.route(`/v1/${kind.plural}`, runRoutes(kind, { runs, config, storage, taskQueue }));
  app.route('/v1/pool', poolRoutes({ client, config, storage, taskQueue }));
  app.route('/v1/estimate', estimateRoutes({ config }));
  app.notFound(notFound);
  app.onError(createErrorHandler(config.temporal.address));
  return app;
}
