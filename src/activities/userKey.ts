import { ApplicationFailure } from '@temporalio/common';
import type { UserKeyWorkers } from '../worker/userKeyWorkers.js';

export interface EnsureUserKeyWorkerInput {
  /** The user's Replicate token; in history only encrypted (the payload codec). */
  token: string;
}

/** Makes sure this process serves the user's own queue; answers its name and the masked key. */
export function createUserKeyActivities(workers: UserKeyWorkers | undefined) {
  return {
    async ensureUserKeyWorker(input: EnsureUserKeyWorkerInput): Promise<{ taskQueue: string; key: string }> {
      if (!workers) {
        // Retried: another worker process of the deployment (one that can open connections) may serve it.
        throw ApplicationFailure.create({
          type: 'UserKeyUnavailable',
          message: 'This worker cannot start key workers for users’ own Replicate tokens.',
        });
      }
      return workers.ensure(input.token);
    },
  };
}

export type UserKeyActivities = ReturnType<typeof createUserKeyActivities>;
