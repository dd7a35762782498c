import type { Client } from '@temporalio/client';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { cancelShort, getShortStatus, startShort } from '../../client/shorts.js';
import type { Config } from '../../config/index.js';
import { shortRequestSchema } from '../../domain/shortRequest.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { publicStatus, requireShortId, shortLinks } from '../shortView.js';

export interface ShortsRoutesOptions {
  client: Client;
  config: Config;
  /** Task queue for new shorts; defaults to `config.taskQueue`. */
  taskQueue?: string;
}

/** Printable ASCII, 1–200 characters: room for a UUID or a client's own scheme, nothing odd. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

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

const requireJson: MiddlewareHandler = async function requireJson(c, next) {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the request as JSON with "Content-Type: application/json" (got "${type || 'none'}").`,
    );
  }
  await next();
};

/** hono's bodyLimit counts streamed bytes too, so a chunked body without Content-Length is capped. */
function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError() {
      throw new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
    },
  });
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = text.trim() === '' ? 'the body is empty' : (err as Error).message;
    throw new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${reason}.`);
  }
}

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–200 printable ASCII characters.');
  }
  return header;
}

function invalidRequest(error: z.ZodError): ApiError {
  const fields = error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    // An unknown key is a problem with that key, so name it as the field.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: `unknown field "${key}"` }));
    }
    return [{ path, message: issue.message }];
  });
  const message = fields.map((f) => `${f.path || '(body)'}: ${f.message}`).join('; ');
  return new ApiError(400, 'invalid_request', `Invalid request: ${message}.`, { fields });
}
