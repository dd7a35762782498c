import { Hono } from 'hono';
import { sceneEditSchema } from '../../domain/planApproval.js';
import type { ShortVideoInput } from '../../domain/shortRequest.js';
import { shortKind } from '../../runs/kinds/short.js';
import type { RunService } from '../../runs/service.js';
import { type Storage, runKeys } from '../../storage/index.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';
import { linksOf } from '../runRoutes.js';

const editSchema = sceneEditSchema.refine((e) => Object.values(e).some((v) => v !== undefined), {
  message: 'say what changes: imagePrompt, narration or motionPrompt',
});

export interface RevisionRoutesOptions {
  runs: RunService;
  storage: Storage;
  taskQueue?: string;
  maxBodyBytes: number;
}

/**
 * New runs made from an earlier short, each with an id that names it. Every image and clip that
 * does not change comes from the generation cache, so only what changed (or failed) is paid for.
 *
 * - POST /v1/shorts/:id/scenes/:n/regenerate (the scene's new imagePrompt, narration or
 *   motionPrompt): a revision of a completed short, its plan with that one scene changed.
 * - POST /v1/shorts/:id/retry: a failed or cancelled short again, with its plan when it got one.
 */
export function revisionRoutes({ runs, storage, taskQueue, maxBodyBytes }: RevisionRoutesOptions) {
  const routes = new Hono();

  async function startChild(parentId: string, input: ShortVideoInput, what: string) {
    const readable = parentId
      .replace(/^short-/, '')
      .replace(/-[a-z0-9]{6}$/, '')
      .slice(0, 60);
    const started = await runs.startInput(shortKind, input, { taskQueue, idParts: [readable, what] });
    return { started, links: linksOf(shortKind, started.id, started.webUiUrl) };
  }

  /**
   * The parent's input without what must not carry over: its approval gate, its own revision, and
   * `cache: false` (a revision exists to reuse the parent's generations, which were remembered).
   */
  async function inheritedInput(parentId: string): Promise<ShortVideoInput> {
    const parentInput = (await runs.inputOf(shortKind, parentId)) as ShortVideoInput;
    const { approval: _approval, revision: _revision, cache: _cache, ...inherited } = parentInput;
    return inherited as ShortVideoInput;
  }

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
    const input: ShortVideoInput = {
      ...(await inheritedInput(parentId)),
      revision: { parentId, planRef: runKeys.plan(parentId), scene: n - 1, edit: parsed.data },
    };
    const { started, links } = await startChild(parentId, input, 'rev');
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, parent: parentId, scene: n, links }, 202);
  });

  routes.post('/:id/retry', async function retry(c) {
    const parentId = c.req.param('id');
    const parent = await runs.get(shortKind, parentId, 'if-running');
    if (parent.status === 'running' || parent.status === 'completed') {
      throw new ApiError(
        409,
        'not_failed',
        `Short "${parentId}" is ${parent.status}; only a failed or cancelled short can be retried.`,
      );
    }
    const planRef = runKeys.plan(parentId);
    const input = await inheritedInput(parentId);
    const withPlan = (await storage.exists(planRef)) ? { ...input, revision: { parentId, planRef } } : input;
    const { started, links } = await startChild(parentId, withPlan, 'retry');
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, parent: parentId, links }, 202);
  });

  routes.all('/:id/scenes/:n/regenerate', methodNotAllowed(['POST']));
  routes.all('/:id/retry', methodNotAllowed(['POST']));
  return routes;
}
