import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/index.js';
import type { PlanResult } from '../activities/plan.js';
import { ErrorTypes, nonRetryableErrorTypes } from '../domain/errors.js';
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS, type PlanApproval } from '../domain/planApproval.js';
import type { ShortVideoInput } from '../domain/shortRequest.js';
import { estimateShort } from '../runs/estimate.js';
import { approvePlanUpdate } from './definitions.js';
import type { ProgressTracker } from './progressTracker.js';

/** Runs that ask for approval stop after planning; only they take this branch (new input, new commands). */
export const PLAN_APPROVAL = 'plan-approval';

const { editPlan } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/** Runs that revise an earlier short take its plan, one scene edited, instead of planning. */
export const PLAN_REVISION = 'plan-revision';

/** The parent's plan with the revised scene's edit, stored as this run's plan. */
export function revisePlan(revision: NonNullable<ShortVideoInput['revision']>, runKey: string): Promise<PlanResult> {
  const { scene, edit } = revision;
  return editPlan({
    runKey,
    planRef: revision.planRef,
    ...(scene !== undefined && edit ? { scene: { index: scene, edit } } : {}),
  });
}

/**
 * Registers the approval update for a run that asked for one. Until the plan exists and waits, the
 * validator refuses (so an early approval is an error, not a silent no-op); an edit with another
 * number of scenes than the plan is refused too, and changes nothing.
 */
export function approvalGate(progress: ProgressTracker) {
  let waitingFor: PlanResult | undefined;
  let decision: PlanApproval | undefined;
  setHandler(
    approvePlanUpdate,
    (approval) => {
      decision = approval;
      return { edited: Boolean(approval.scenes), sceneCount: waitingFor!.scenes.length };
    },
    {
      validator: (approval) => {
        if (!waitingFor || decision)
          throw new Error(`The run is not waiting for approval (it is ${progress.snapshot().stage}).`);
        const edits = approval.scenes?.length;
        if (edits !== undefined && edits !== waitingFor.scenes.length) {
          throw new Error(
            `The edit has ${edits} scene(s); the plan has ${waitingFor.scenes.length}. Send one entry per scene, in order ({} keeps a scene as planned).`,
          );
        }
      },
    },
  );

  /**
   * Waits in `awaiting-approval` with the plan and its estimate in progress; returns the plan to
   * make (edited when the approval edited it). Ends the run as ApprovalTimedOut after the timeout;
   * a cancellation (POST …/reject, `reelflow cancel`) ends it while waiting.
   */
  return async function awaitApproval(input: ShortVideoInput, runKey: string, plan: PlanResult): Promise<PlanResult> {
    waitingFor = plan;
    progress.awaitingApproval(
      estimateShort(
        input,
        plan.scenes.map((s) => s.narration ?? s.preview),
      ),
    );
    const timeoutSeconds =
      typeof input.approval === 'object' ? input.approval.timeoutSeconds : DEFAULT_APPROVAL_TIMEOUT_SECONDS;
    if (!(await condition(() => decision !== undefined, timeoutSeconds * 1000))) {
      throw ApplicationFailure.create({
        type: ErrorTypes.ApprovalTimedOut,
        nonRetryable: true,
        message: `The plan waited ${timeoutSeconds} s for approval and got none; nothing was paid for. Start the run again.`,
      });
    }
    const scenes = decision!.scenes;
    progress.approved(Boolean(scenes));
    if (!scenes) return plan;
    return editPlan({ runKey, planRef: plan.planRef, scenes });
  };
}
