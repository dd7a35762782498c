import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { planApprovalSchema } from '../../domain/planApproval.js';
import { approvePlan, rejectPlan } from '../../runs/approval.js';
import type { RunService } from '../../runs/service.js';
import { runsOf } from '../auth.js';
import { methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';

/**
 * POST /v1/shorts/:id/approve (body `{}` or `{"scenes": [{narration?, imagePrompt?, motionPrompt?}, …]}`,
 * one entry per planned scene) continues a short waiting in `awaiting-approval`, through a Temporal
 * update whose validator refuses a wrong edit: that is a 400 and changes nothing. POST …/reject
 * cancels it. A run that is not waiting is a 409. The answers themselves are runs/approval.ts,
 * shared with `reelflow make --approve`.
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

  routes.post('/:id/approve', requireJson, limitBody(maxBodyBytes), async function approve(c) {
    const id = c.req.param('id');
    const parsed = planApprovalSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const approved = await approvePlan(client, runsOf(c, runs), id, parsed.data);
    return c.json({ id, status: 'approved', ...approved });
  });

  routes.post('/:id/reject', async function reject(c) {
    const id = c.req.param('id');
    await rejectPlan(runsOf(c, runs), id);
    return c.json({ id, status: 'cancelling' }, 202);
  });

  routes.all('/:id/approve', methodNotAllowed(['POST']));
  routes.all('/:id/reject', methodNotAllowed(['POST']));
  return routes;
}
