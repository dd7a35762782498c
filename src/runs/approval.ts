/**
 * Answers to a short waiting in `awaiting-approval`, for the HTTP API (POST …/approve, …/reject)
 * and `reelflow make --approve` alike: the approval goes through the workflow's approvePlan update,
 * whose validator refuses a wrong edit before anything is recorded; a rejection cancels the run.
 */
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PlanApproval, PlanApproved } from '../domain/planApproval.js';
import { approvePlanUpdate } from '../workflows/definitions.js';
import { NotAwaitingApprovalError, PlanEditRefusedError } from './errors.js';
import { type ShortState, shortKind } from './kinds/short.js';
import type { RunService } from './service.js';

/** The short's state, when it waits for its approval; otherwise the error that says what it does. */
export async function waitingForApproval(runs: RunService, id: string): Promise<ShortState> {
  const state = await runs.get(shortKind, id, 'if-running');
  const stage = state.progress?.stage;
  if (state.status !== 'running' || stage !== 'awaiting-approval') {
    throw new NotAwaitingApprovalError(
      `Short "${id}" is not waiting for approval (${state.status === 'running' ? `stage ${stage}` : state.status}). ` +
        'Only a short started with "approval": true waits, after its plan is made.',
    );
  }
  return state;
}

/** Approves the plan, edited or not. A refused edit is a PlanEditRefusedError and changes nothing. */
export async function approvePlan(
  client: Client,
  runs: RunService,
  id: string,
  approval: PlanApproval,
): Promise<PlanApproved> {
  await waitingForApproval(runs, id);
  try {
    return await client.workflow.getHandle(id).executeUpdate(approvePlanUpdate, { args: [approval] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new PlanEditRefusedError(err.cause instanceof Error ? err.cause.message : err.message);
    }
    throw err;
  }
}

/** Rejects the plan: the run is cancelled while it waits, before anything is paid for. */
export async function rejectPlan(runs: RunService, id: string): Promise<void> {
  await waitingForApproval(runs, id);
  await runs.cancel(shortKind, id);
}
