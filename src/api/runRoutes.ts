import { Hono } from 'hono';
import type { Config } from '../config/index.js';
import { type RunKind, type Scrub, capitalized } from '../runs/kind.js';
import { type RunService, storedFileMissing } from '../runs/service.js';
import type { RunState } from '../runs/status.js';
import type { Storage } from '../storage/index.js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { raiseBudgetSchema } from '../domain/budget.js';
import { ApiError, errorBody, methodNotAllowed } from './errors.js';
import { idempotencyKeyOf, invalidRequest, limitBody, readJson, requireJson } from './jsonBody.js';
import { scrubForClients } from './scrub.js';
import { serveStoredFile } from './serveFile.js';
import { runsOf, userTokenOf } from './auth.js';

export interface RunRoutesOptions {
  runs: RunService;
  config: Config;
  storage: Storage;
  /** Task queue for new runs; defaults to `config.taskQueue` (tests use their own). */
  taskQueue?: string;
}

/**
 * Every kind's routes from its declaration: POST / (start), GET /:id (state), POST /:id/cancel, and
 * each of its file routes; other methods on those paths answer 405. Errors are thrown as the run
 * layer's types and become HTTP answers in one place (errors.ts).
 */
export function runRoutes(kind: RunKind, { runs, config, storage, taskQueue }: RunRoutesOptions): Hono {
  const routes = new Hono();
  const scrub: Scrub = (text) => scrubForClients(text, config.dataDir);

  if (kind.startedFrom) {
    const where = kind.startedFrom;
    routes.all('/', function startedElsewhere(c) {
      c.header('Allow', '');
      return c.json(errorBody('method_not_allowed', `${capitalized(kind.name)} runs are started with ${where}.`), 405);
    });
  }
  routes.post('/', requireJson, limitBody(kind.maxBodyBytes(config)), async function createRun(c) {
    const body = await readJson(c.req.raw);
    const idempotencyKey = idempotencyKeyOf(c.req.header('idempotency-key'));
    const parsed = kind.requestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const started = await runsOf(c, runs).start(kind, parsed.data, { idempotencyKey, taskQueue, ...userTokenOf(c) });
    const links = linksOf(kind, started.id, started.webUiUrl);
    c.header('Location', links.self);
    return c.json({ id: started.id, status: started.status, links }, 202);
  });

  routes.get('/:id', async function getRun(c) {
    const state = await runsOf(c, runs).get(kind, c.req.param('id'));
    return c.json(publicState(kind, state, scrub));
  });

  routes.post('/:id/cancel', async function cancelRun(c) {
    const { id } = await runsOf(c, runs).cancel(kind, c.req.param('id'));
    return c.json({ id, status: 'cancelling' }, 202);
  });

  // Raises a running run's budget cap through its raiseBudget update (a run without a budget is a 409).
  routes.post('/:id/budget', requireJson, limitBody(4096), async function raiseBudget(c) {
    const id = c.req.param('id');
    const parsed = raiseBudgetSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const state = await runsOf(c, runs).get(kind, id, 'if-running');
    if (state.status !== 'running') {
      throw new ApiError(409, 'already_finished', `${kind.name} "${id}" already finished (${state.status}).`);
    }
    if (!(state.progress as { budget?: unknown } | undefined)?.budget) {
      throw new ApiError(
        409,
        'no_budget',
        `${kind.name} "${id}" was started without a budget; there is no cap to raise.`,
      );
    }
    try {
      const budget = await runsOf(c, runs).raiseBudget(kind, id, parsed.data.maxUsd);
      return c.json({ id, budget });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ApiError(400, 'invalid_request', err.cause instanceof Error ? err.cause.message : err.message);
      }
      throw err;
    }
  });
  routes.all('/:id/budget', methodNotAllowed(['POST']));

  for (const route of kind.files) {
    routes.get(route.path, async function getFile(c) {
      const params = c.req.param() as Record<string, string>;
      const id = params.id!;
      const { state, file } = await runsOf(c, runs).file(kind, route, id, params, scrub);
      return serveStoredFile(c, storage, file, {
        etag: state.runId,
        ranges: route.ranges,
        missing: () => storedFileMissing(kind, id, route.noun),
      });
    });
    routes.all(route.path, methodNotAllowed(['GET', 'HEAD']));
  }
  routes.all('/', methodNotAllowed(['POST']));
  routes.all('/:id', methodNotAllowed(['GET', 'HEAD']));
  routes.all('/:id/cancel', methodNotAllowed(['POST']));
  return routes;
}

export function linksOf(kind: RunKind, id: string, webUiUrl: string): Record<string, string> {
  const self = `/v1/${kind.plural}/${encodeURIComponent(id)}`;
  return { self, ...kind.extraLinks(self), cancel: `${self}/cancel`, webUi: webUiUrl };
}

/** What HTTP clients see of a run: fields whitelisted, stored files as links, paths and secrets scrubbed. */
export function publicState(kind: RunKind, state: RunState<unknown, unknown>, scrub: Scrub) {
  return {
    id: state.id,
    runId: state.runId,
    status: state.status,
    progress: state.progress === undefined ? undefined : kind.publicProgress(state.progress, scrub),
    result: state.result === undefined ? undefined : kind.publicResult(state.id, state.result, scrub),
    error: state.error && { type: state.error.type, message: scrub(state.error.message) },
    startedAt: state.startedAt,
    closedAt: state.closedAt,
    webUiUrl: state.webUiUrl,
    links: linksOf(kind, state.id, state.webUiUrl),
  };
}
