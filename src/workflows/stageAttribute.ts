import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { StageAttribute } from '../temporal/searchAttributes.js';

/**
 * Keeps the run's `ReelflowStage` search attribute on its current stage, so the Web UI and
 * `temporal workflow list --query "ReelflowStage='rendering'"` find runs by where they are.
 * Upserting is a workflow command: runs started before this existed have none in their history,
 * so the patch keeps their replay deterministic (they simply never show a stage).
 */
export const STAGE_ATTRIBUTE_PATCH = 'reelflow-stage-search-attribute';

export function publishStage(stage: string): void {
  if (patched(STAGE_ATTRIBUTE_PATCH)) upsertSearchAttributes([{ key: StageAttribute, value: stage }]);
}
