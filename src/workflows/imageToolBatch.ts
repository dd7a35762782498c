import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ImageToolActivities } from '../activities/imageTools.js';
import type { BatchProgress } from '../domain/batch.js';
import { sumCosts } from '../domain/cost.js';
import { type ImageToolBatchInput, type ImageToolBatchResult, imageToolBatchInputSchema } from '../domain/imageTool.js';
import { countedTask } from './batchTask.js';
import { getBatchProgressQuery } from './definitions.js';
import { parseWorkflowInput } from './input.js';
import { onReplicateQueue } from './replicateActivities.js';
import { rootMessage } from './sceneSteps.js';
import { publishStage } from './stageAttribute.js';
import { userKeyFor, viaUserKey } from './userKey.js';

/**
 * Many image tool calls at once on the key pool (POST /v1/images/batch): every task is scheduled
 * at once and the keys' free slots pull them; each succeeds or fails on its own, and the result
 * has the batch tool's shape (successful_results, failed_results).
 */
export async function imageToolBatch(rawInput: ImageToolBatchInput): Promise<ImageToolBatchResult> {
  const input = parseWorkflowInput('imageToolBatch', imageToolBatchInputSchema, rawInput);
  const progress: BatchProgress = { total: input.tasks.length, succeeded: 0, failed: 0, running: input.tasks.length };
  setHandler(getBatchProgressQuery, () => ({ ...progress }));
  const user = await userKeyFor(input);
  const activities = proxyActivities<ImageToolActivities>({
    ...onReplicateQueue(user),
    startToCloseTimeout: '30 minutes',
  });
  const { runImageTool } = user ? viaUserKey(activities, user) : activities;
  publishStage('running');

  const id = workflowInfo().workflowId;
  const settled = await Promise.allSettled(
    input.tasks.map((task, i) =>
      countedTask(progress, () =>
        runImageTool({
          runKey: `${id}/${i}`,
          tool: task.tool,
          ...(task.imageRef ? { imageRef: task.imageRef } : {}),
          ...(task.maskRef ? { maskRef: task.maskRef } : {}),
          options: task.options,
          ...(task.cache === false ? { cache: false } : {}),
        }),
      ),
    ),
  );
  const successful = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ task_index: i, ...s.value }] : []));
  const failed = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [{ task_index: i, tool: input.tasks[i]!.tool, error: errorOf(s.reason) }] : [],
  );
  publishStage('completed');
  return {
    summary: { total: input.tasks.length, successful: successful.length, failed: failed.length },
    successful_results: successful,
    failed_results: failed,
    cost: sumCosts(successful.flatMap((s) => (s.cost ? [s.cost] : []))),
  };
}

function errorOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : 'Error';
  return { type, message: rootMessage(err) };
}
