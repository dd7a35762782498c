/**
 * The render queue is derived from the main queue, so the workflow finds it without reading config
 * (workflows cannot), and isolated deployments or tests only have to choose one name.
 */
export function renderQueueFor(taskQueue: string): string {
  return `${taskQueue}-render`;
}

/** All Replicate key workers poll this one queue: a free slot on any key pulls the next prediction. */
export function replicateQueueFor(taskQueue: string): string {
  return `${taskQueue}-replicate`;
}
