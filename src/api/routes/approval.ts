import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { Hono } from 'hono';
import { planApprovalSchema } from '../../domain/planApproval.js';
import type { ShortProgress } from '../../domain/progress.js';
import { shortKind } from '../../runs/kinds/short.js';
import type { RunService } from '../../runs/service.js';
import { approvePlanUpdate } from '../../workflows/definitions.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';

/**
 * POST /v1/shorts/:id/approve (body `{}` or `{"scenes": [{narration?, imagePrompt?, motionPrompt?}, …]}`,
 * one entry per planned scene) continues a short waiting in `awaiting-approval`, through a Temporal
 * update whose validator refuses a wrong edit: that is a 400 and changes nothing. POST …/reject
 * cancels it. A run that is not waiting is a 409.
 */
export function approvalRoutes({
  client,
  runs,
  maxBodyBytes,
}: {
  client: Client;
  runs: RunService;
  maxBodyBytes: number;
}) {
  const routes = new Hono();

  async function waiting(id: string): Promise<void> {
    const state = await runs.get(shortKind, id, 'if-running');
    const stage = (state.progress as ShortProgress | undefined)?.stage;
    if (state.status !== 'running' || stage !== 'awaiting-approval') {
      throw new ApiError(
        409,
        'not_awaiting_approval',
        `Short "${id}" is not waiting for approval (${state.status === 'running' ? `stage ${stage}` : state.status}). ` +
          'Only a short started with "approval": true waits, after its plan is made.',
      );
    }
  }

  routes.post('/:id/approve', requireJson, limitBody(maxBodyBytes), async function approve(c) {
    const id = c.req.param('id');
    const parsed = planApprovalSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    await waiting(id);
    try {
      const approved = await client.workflow.getHandle(id).executeUpdate(approvePlanUpdate, { args: [parsed.data] });
      return c.json({ id, status: 'approved', ...approved });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new ApiError(400, 'invalid_request', err.cause instanceof Error ? err.cause.message : err.message);
      }
      throw err;
    }
  });

  routes.post('/:id/reject', async function reject(c) {
    const id = c.req.param('id');
    await waiting(id);
    await runs.cancel(shortKind, id);
    return c.json({ id, status: 'cancelling' }, 202);
  });

  routes.all('/:id/approve', methodNotAllowed(['POST']));
  routes.all('/:id/reject', methodNotAllowed(['POST']));
  return routes;
}
