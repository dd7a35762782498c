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

/** A user's own Replicate token (the API's second auth tier) gets a queue of its own: its limit, its work. */
export function userKeyQueueFor(taskQueue: string, fingerprint: string): string {
  return `${taskQueue}-replicate-user-${fingerprint}`;
}
