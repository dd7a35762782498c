import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { HighlightsProgress } from '../domain/highlights.js';
import type { LongVideoProgress } from '../domain/longVideo.js';
import type { BatchProgress } from '../domain/batch.js';
import type { BudgetState } from '../domain/budget.js';
import type { ImageToolProgress } from '../domain/imageTool.js';
import type { PlanApproval, PlanApproved } from '../domain/planApproval.js';
import type { ShortProgress } from '../domain/progress.js';

/**
 * Every query, signal and update of every workflow, in one place: clients import these, workflows
 * set handlers for them. The name strings are part of the contract with running workflows and
 * with `temporal workflow query --name …`; never rename one.
 */

/** Live per-scene progress of a short; the API and CLI merge in the render activity's heartbeat percent. */
export const getShortProgressQuery = defineQuery<ShortProgress>('getProgress');

/** Where an image tool call is. */
export const getImageToolProgressQuery = defineQuery<ImageToolProgress>('getImageToolProgress');

/** Live counts of an image batch. */
export const getBatchProgressQuery = defineQuery<BatchProgress>('getBatchProgress');

/** A long video's stage and every chunk's state. */
export const getLongVideoProgressQuery = defineQuery<LongVideoProgress>('getLongVideoProgress');

/**
 * Approves a short's plan while it waits in `awaiting-approval`, optionally with edited scenes (one
 * entry per planned scene). The validator refuses a wrong scene count or a run not waiting, so a
 * bad approval changes nothing.
 */
export const approvePlanUpdate = defineUpdate<PlanApproved, [PlanApproval]>('approvePlan');

/** Raises a run's budget cap (a short's or a batch's), e.g. while it waits in `awaiting-budget`. */
export const raiseBudgetUpdate = defineUpdate<BudgetState, [{ maxUsd: number }]>('raiseBudget');

/** Shorts cut from a long video: the stage and every short's state. */
export const getHighlightsProgressQuery = defineQuery<HighlightsProgress>('getHighlightsProgress');
