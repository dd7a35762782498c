import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { cancelShort, getShortStatus, startShort } from '../../client/shorts.js';
import type { Config } from '../../config/index.js';
import { shortRequestSchema } from '../../domain/shortRequest.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { idempotencyKeyOf, invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { publicStatus, requireShortId, shortLinks } from '../shortView.js';

export interface ShortsRoutesOptions {
  client: Client;
  config: Config;
  /** Task queue for new shorts; defaults to `config.taskQueue`. */
  taskQueue?: string;
}

/** POST /v1/shorts, GET /v1/shorts/:id, POST /v1/shorts/:id/cancel. */
export function shortsRoutes({ client, config, taskQueue }: ShortsRoutesOptions): Hono {
  const routes = new Hono();

  routes.post('/', requireJson, limitBody(config.api.maxBodyBytes), async function createShort(c) {
    const body = await readJson(c.req.raw);
    const idempotencyKey = idempotencyKeyOf(c.req.header('idempotency-key'));
    const parsed = shortRequestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);

    const started = await startShort(client, config, parsed.data, { idempotencyKey, taskQueue });
    const links = shortLinks(started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, links }, 202);
  });

  routes.get('/:id', async function getShort(c) {
    const status = await getShortStatus(client, config, requireShortId(c.req.param('id')));
    return c.json(publicStatus(status, config.dataDir));
  });

  routes.post('/:id/cancel', async function cancel(c) {
    const id = requireShortId(c.req.param('id'));
    const before = await cancelShort(client, config, id);
    if (before.status !== 'running') {
      throw new ApiError(
        409,
        'already_finished',
        `Short "${id}" already finished (${before.status}); there is nothing to cancel.`,
      );
    }
    return c.json({ id, status: 'cancelling' }, 202);
  });

  routes.all('/', methodNotAllowed(['POST']));
  routes.all('/:id', methodNotAllowed(['GET', 'HEAD']));
  routes.all('/:id/cancel', methodNotAllowed(['POST']));
  return routes;
}
