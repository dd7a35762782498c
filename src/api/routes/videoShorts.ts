/**
 * POST /v1/videos/:id/shorts {count, lengthSec, captions, fps}: shorts cut from the best moments
 * of a transcribed long video (runs/highlights.ts checks the video; the run is a `highlights` kind,
 * served at /v1/highlights/:id with each short's MP4 at /v1/highlights/:id/shorts/:n/video).
 */
import { Hono } from 'hono';
import { highlightsRequestSchema } from '../../domain/highlights.js';
import { startHighlights } from '../../runs/highlights.js';
import { highlightsKind } from '../../runs/kinds/highlights.js';
import type { RunService } from '../../runs/service.js';
import { runsOf } from '../auth.js';
import { methodNotAllowed } from '../errors.js';
import { idempotencyKeyOf, invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { linksOf } from '../runRoutes.js';

export function videoShortsRoutes({ runs, taskQueue }: { runs: RunService; taskQueue?: string }) {
  const routes = new Hono();

  routes.post('/:id/shorts', requireJson, limitBody(4 * 1024), async function cutShorts(c) {
    const parsed = highlightsRequestSchema.safeParse((await readJson(c.req.raw)) ?? {});
    if (!parsed.success) throw invalidRequest(parsed.error);
    const videoId = c.req.param('id');
    const started = await startHighlights(runsOf(c, runs), videoId, parsed.data, {
      taskQueue,
      idempotencyKey: idempotencyKeyOf(c.req.header('idempotency-key')),
    });
    const links = linksOf(highlightsKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, video: videoId, links }, 202);
  });

  routes.all('/:id/shorts', methodNotAllowed(['POST']));
  return routes;
}
