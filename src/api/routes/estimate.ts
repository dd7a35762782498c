import { Hono } from 'hono';
import type { Config } from '../../config/index.js';
import { batchRequestSchema } from '../../domain/batch.js';
import { shortRequestSchema, shortVideoInputSchema } from '../../domain/shortRequest.js';
import { estimateBatch, estimateShort } from '../../runs/estimate.js';
import { batchKind } from '../../runs/kinds/batch.js';
import { shortKind } from '../../runs/kinds/short.js';
import { methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';

/**
 * POST /v1/estimate: what a short or a batch would cost, from the same body POST /v1/shorts or
 * /v1/batches takes (a body with `tasks` is a batch). Validated and resolved exactly like a start
 * (a bad body is the same 400, a provider without keys the same 422), but nothing is started and
 * no provider is called.
 */
// The requests as the kinds' toInput take them; their output is parsed again, defaults filled in.
type ShortStart = Parameters<typeof shortKind.toInput>[0];
type BatchStart = Parameters<typeof batchKind.toInput>[0];

export function estimateRoutes({ config }: { config: Config }): Hono {
  const routes = new Hono();
  const maxBytes = Math.max(shortKind.maxBodyBytes(config), batchKind.maxBodyBytes(config));

  routes.post('/', requireJson, limitBody(maxBytes), async function estimate(c) {
    const body = await readJson(c.req.raw);
    const isBatch = typeof body === 'object' && body !== null && 'tasks' in body;
    if (isBatch) {
      const parsed = batchRequestSchema.safeParse(body);
      if (!parsed.success) throw invalidRequest(parsed.error);
      return c.json({
        kind: 'batch',
        estimate: estimateBatch(batchRequestSchema.parse(batchKind.toInput(parsed.data as BatchStart, config))),
      });
    }
    const parsed = shortRequestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    return c.json({
      kind: 'short',
      estimate: estimateShort(shortVideoInputSchema.parse(shortKind.toInput(parsed.data as ShortStart, config))),
    });
  });

  routes.all('/', methodNotAllowed(['POST']));
  return routes;
}
