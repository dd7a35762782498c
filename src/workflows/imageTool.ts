import { isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ImageToolActivities } from '../activities/imageTools.js';
import { toolModel } from '../catalog/tools.js';
import {
  type ImageToolInput,
  type ImageToolProgress,
  type ImageToolResult,
  imageToolInputSchema,
} from '../domain/imageTool.js';
import { getImageToolProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { onReplicateQueue } from './replicateActivities.js';
import { userKeyFor, viaUserKey } from './userKey.js';
import { rootMessage } from './sceneSteps.js';
import { publishStage } from './stageAttribute.js';

/**
 * One image tool call (remove a background, upscale, restore a face, generate, inpaint, colorize)
 * as a durable run on the Replicate key pool: the same slots, retries, Retry-After handling,
 * checkpointed predictions and cancellation as a short's images. The picture travels by reference.
 */
export async function imageTool(rawInput: ImageToolInput): Promise<ImageToolResult> {
  const input = parseWorkflowInput('imageTool', imageToolInputSchema, rawInput);
  const progress: ImageToolProgress = { stage: 'queued', tool: input.tool };
  setHandler(getImageToolProgressQuery, () => progress);
  // Six times the model's usual time and never under 10 minutes: a queue upstream can hold it.
  const minutes = Math.max(10, Math.ceil((toolModel(input.tool).typicalSeconds * 6) / 60));
  const user = await userKeyFor(input);
  const activities = proxyActivities<ImageToolActivities>({
    ...onReplicateQueue(user),
    startToCloseTimeout: `${minutes} minutes`,
  });
  const { runImageTool } = user ? viaUserKey(activities, user) : activities;
  try {
    progress.stage = 'running';
    publishStage('running');
    const result = await runImageTool({
      runKey: workflowInfo().workflowId,
      tool: input.tool,
      ...(input.imageRef ? { imageRef: input.imageRef } : {}),
      ...(input.maskRef ? { maskRef: input.maskRef } : {}),
      options: input.options,
      ...(input.cache === false ? { cache: false } : {}),
    });
    progress.stage = 'completed';
    publishStage('completed');
    return result;
  } catch (err) {
    progress.stage = isCancellation(err) ? 'cancelled' : 'failed';
    if (!isCancellation(err)) progress.error = rootMessage(err);
    publishStage(progress.stage);
    throw err;
  }
}
