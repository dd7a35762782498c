import { type ActivityOptions, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReplicateActivities } from '../activities/replicate.js';
import type { ReplicateAudioActivities } from '../activities/replicateAudio.js';
import type { ReplicateVideoActivities } from '../activities/replicateVideo.js';
import { catalogModel } from '../catalog/lookup.js';
import { nonRetryableErrorTypes } from '../domain/errors.js';
import { replicateQueueFor } from '../domain/taskQueues.js';
import { replicateNonRetryableTypes } from '../replicate/errors.js';
import { type UserKey, viaUserKey } from './userKey.js';

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
export function replicateActivities(user?: UserKey) {
  const activities = proxyActivities<ReplicateActivities & ReplicateAudioActivities>({
    ...onReplicateQueue(user),
    startToCloseTimeout: '30 minutes',
  });
  return user ? viaUserKey(activities, user) : activities;
}

/** A video model we know nothing about gets this long per attempt (the slowest catalogued take minutes). */
const UNKNOWN_VIDEO_SECONDS = 600;

/**
 * Video predictions, with the attempt's time sized by the model: six times its typical latency
 * (the catalog's figure) plus the clip's download, and never under 15 minutes, because a queue on
 * Replicate's side can hold a prediction before it starts. Heartbeats stay every second, so a dead
 * worker is still noticed in 10 s and the retry resumes the same prediction.
 */
export function replicateVideoActivities(model: string, user?: UserKey) {
  const typical = catalogModel(model)?.typicalSeconds ?? UNKNOWN_VIDEO_SECONDS;
  const minutes = Math.max(15, Math.ceil((typical * 6) / 60) + 2);
  const activities = proxyActivities<ReplicateVideoActivities>({
    ...onReplicateQueue(user),
    startToCloseTimeout: `${minutes} minutes`,
  });
  return user ? viaUserKey(activities, user) : activities;
}

/** The Replicate queue's options (its retry policy, a 10 s heartbeat timeout) for every prediction activity. */
export function onReplicateQueue(user?: UserKey): Omit<ActivityOptions, 'startToCloseTimeout'> {
  return {
    taskQueue: user?.taskQueue ?? replicateQueueFor(workflowInfo().taskQueue),
    // A user's queue is served by one key worker that may have gone: noticed, and started again.
    ...(user ? { scheduleToStartTimeout: '1 minute' } : {}),
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 12,
      nonRetryableErrorTypes: [...nonRetryableErrorTypes, ...replicateNonRetryableTypes],
    },
  };
}
