import { Hono } from 'hono';
import { shortKind } from '../../runs/kinds/short.js';
import { revisionEditSchema, startRetry, startRevision } from '../../runs/revisions.js';
import type { RunService } from '../../runs/service.js';
import type { Storage } from '../../storage/index.js';
import { runsOf, userTokenOf } from '../auth.js';
import { methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { linksOf } from '../runRoutes.js';

export interface RevisionRoutesOptions {
  runs: RunService;
  storage: Storage;
  taskQueue?: string;
  maxBodyBytes: number;
}

/**
 * New runs made from an earlier short (runs/revisions.ts, shared with `reelflow regenerate` and
 * `reelflow retry`); a wrong state or scene is the run layer's error, answered in api/errors.ts.
 *
 * - POST /v1/shorts/:id/scenes/:n/regenerate (the scene's new imagePrompt, narration or
 *   motionPrompt): a revision of a completed short, its plan with that one scene changed.
 * - POST /v1/shorts/:id/retry: a failed or cancelled short again, with its plan when it got one.
 */
export function revisionRoutes({ runs, storage, taskQueue, maxBodyBytes }: RevisionRoutesOptions) {
  const routes = new Hono();

  routes.post('/:id/scenes/:n/regenerate', requireJson, limitBody(maxBodyBytes), async function regenerate(c) {
    const parsed = revisionEditSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const started = await startRevision(runsOf(c, runs), c.req.param('id'), c.req.param('n'), parsed.data, {
      taskQueue,
      ...userTokenOf(c),
    });
    const links = linksOf(shortKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, parent: started.parent, scene: started.scene, links }, 202);
  });

  routes.post('/:id/retry', async function retry(c) {
    const started = await startRetry(runsOf(c, runs), storage, c.req.param('id'), { taskQueue, ...userTokenOf(c) });
    const links = linksOf(shortKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, parent: started.parent, links }, 202);
  });

  routes.all('/:id/scenes/:n/regenerate', methodNotAllowed(['POST']));
  routes.all('/:id/retry', methodNotAllowed(['POST']));
  return routes;
}
