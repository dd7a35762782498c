import { Hono } from 'hono';
import { sceneEditSchema } from '../../domain/planApproval.js';
import type { ShortVideoInput } from '../../domain/shortRequest.js';
import { shortKind } from '../../runs/kinds/short.js';
import type { RunService } from '../../runs/service.js';
import { runKeys } from '../../storage/index.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { linksOf } from '../runRoutes.js';

const editSchema = sceneEditSchema.refine((e) => Object.values(e).some((v) => v !== undefined), {
  message: 'say what changes: imagePrompt, narration or motionPrompt',
});

/**
 * POST /v1/shorts/:id/scenes/:n/regenerate (body: the scene's new imagePrompt, narration or
 * motionPrompt) starts a revision of a completed short: a new run, whose id names its parent, with
 * the parent's plan and that one scene changed. Every unchanged scene's image and clip come from
 * the generation cache, so only the changed scene is paid for again.
 */
export function revisionRoutes({
  runs,
  taskQueue,
  maxBodyBytes,
}: {
  runs: RunService;
  taskQueue?: string;
  maxBodyBytes: number;
}) {
  const routes = new Hono();

  routes.post('/:id/scenes/:n/regenerate', requireJson, limitBody(maxBodyBytes), async function regenerate(c) {
    const parentId = c.req.param('id');
    const n = Number(c.req.param('n'));
    const parsed = editSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const parent = await runs.get(shortKind, parentId, 'if-running');
    if (parent.status !== 'completed' || !parent.result) {
      throw new ApiError(
        409,
        'not_completed',
        `Short "${parentId}" is ${parent.status}; only a completed short can be revised.`,
      );
    }
    const sceneCount = parent.result.scenes.length;
    if (!Number.isInteger(n) || n < 1 || n > sceneCount) {
      throw new ApiError(
        404,
        'not_found',
        `Short "${parentId}" has scenes 1 to ${sceneCount}; there is no scene ${c.req.param('n').slice(0, 20)}.`,
      );
    }
    const {
      approval: _approval,
      revision: _revision,
      ...inherited
    } = (await runs.inputOf(shortKind, parentId)) as ShortVideoInput;
    const input: ShortVideoInput = {
      ...inherited,
      revision: { parentId, planRef: runKeys.plan(parentId), scene: n - 1, edit: parsed.data },
    };
    const started = await runs.startInput(shortKind, input, {
      taskQueue,
      idParts: [
        parentId
          .replace(/^short-/, '')
          .replace(/-[a-z0-9]{6}$/, '')
          .slice(0, 60),
        'rev',
      ],
    });
    const links = linksOf(shortKind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, parent: parentId, scene: n, links }, 202);
  });

  routes.all('/:id/scenes/:n/regenerate', methodNotAllowed(['POST']));
  return routes;
}
