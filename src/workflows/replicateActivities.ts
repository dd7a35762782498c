import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReplicateActivities } from '../activities/replicate.js';
import type { ReplicateAudioActivities } from '../activities/replicateAudio.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import { replicateNonRetryableTypes } from '../replicate/errors.js';

/** Used when neither the request nor the client named a model (the client fills REPLICATE_IMAGE_MODEL). */
export const DEFAULT_REPLICATE_MODEL = 'black-forest-labs/flux-schnell';
/** Likewise for voices and music on Replicate (REPLICATE_SPEECH_MODEL, REPLICATE_MUSIC_MODEL). */
export const DEFAULT_SPEECH_MODEL = 'minimax/speech-02-turbo';
export const DEFAULT_MUSIC_MODEL = 'meta/musicgen:671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb';

/**
 * Predictions run on the shared Replicate queue, where each key's worker slots are its limit.
 * A dead worker is noticed within 10 s of silence (heartbeats come at least every second), and the
 * retry resumes the checkpointed prediction rather than paying for a new one. Must be called from
 * workflow code: the queue follows the workflow's own task queue.
 */
export function replicateActivities() {
  return proxyActivities<ReplicateActivities & ReplicateAudioActivities>({
    taskQueue: replicateQueueFor(workflowInfo().taskQueue),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 12,
      nonRetryableErrorTypes: [...nonRetryableErrorTypes, ...replicateNonRetryableTypes],
    },
  });
}
