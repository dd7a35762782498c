import type { BatchProgress } from '../domain/batch.js';

/**
 * One batch task counted in the batch's progress: `running` was counted at the start, and the task
 * moves to `succeeded` or `failed` as it settles. Shared by the image and image-tool batches.
 */
export async function countedTask<T>(progress: BatchProgress, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    progress.succeeded++;
    return result;
  } catch (err) {
    progress.failed++;
    throw err;
  } finally {
    progress.running--;
  }
}
