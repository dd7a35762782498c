/**
 * Why an attempt was cancelled decides whether its prediction is cancelled upstream (see
 * shouldStopSpending). The real activity runs in a MockActivityEnvironment against the emulator,
 * and every verdict is read from the emulator's accounting: a cancellation that any later attempt
 * can resume from must leave the prediction running (and the next attempt must resume that same
 * prediction), one after which nothing can resume it must cancel it. Then one pause and unpause of
 * a batch on the real Temporal server.
 */
import type { Client } from '@temporalio/client';
import {
  ActivityCancellationDetails,
  type ActivityCancellationDetailsOptions,
  CancelledFailure,
} from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createReplicateActivities } from '../src/activities/replicate.js';
import { type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { createReplicatePool } from '../src/replicate/client.js';
import { KeyStatsRecorder } from '../src/replicate/keyStats.js';
import { type PredictionCheckpoint, shouldStopSpending } from '../src/replicate/prediction.js';
import { type WebhookReceiver, startWebhookReceiver } from '../src/replicate/webhooks.js';
import { LocalStorage } from '../src/storage/index.js';
import { imageBatch } from '../src/workflows/index.js';
import { typedRunner } from './support/activityEnv.js';
import { poolConfig, testToken, webhookEnv } from './support/replicate.js';
import { connectTestClient, startTestWorkers, tempDataDir, tools } from './support/temporal.js';

const FLUX = 'black-forest-labs/flux-schnell';
const TOKEN = testToken(1);

type CancelReason = Parameters<MockActivityEnvironment['cancel']>[0];

interface CancellationCase {
  title: string;
  reason: CancelReason;
  details: ActivityCancellationDetailsOptions;
}

/** Cancellations a later attempt resumes from: the prediction must keep running. */
const RESUMABLE: CancellationCase[] = [
  {
    title: 'a paused activity leaves its prediction running and the next attempt resumes it',
    reason: 'PAUSED',
    details: { paused: true },
  },
  {
    title: 'a timed-out activity leaves its prediction running and the next attempt resumes it',
    reason: 'TIMED_OUT',
    details: { timedOut: true },
  },
  {
    title: 'a worker shutdown leaves its prediction running and the next attempt resumes it',
    reason: 'WORKER_SHUTDOWN',
    details: { workerShutdown: true },
  },
  {
    // The SDK's own shutdown path can cancel with empty details: unknown must not mean "cancel".
    title: 'a cancellation without details leaves its prediction running and the next attempt resumes it',
    reason: 'WORKER_SHUTDOWN',
    details: {},
  },
];

/** Cancellations after which nothing will resume the prediction: it must be cancelled upstream. */
const FINAL: CancellationCase[] = [
  {
    title: 'a cancel requested by the run cancels its prediction upstream',
    reason: 'CANCELLED',
    details: { cancelRequested: true },
  },
  {
    title: 'an activity of a reset workflow cancels its prediction upstream',
    reason: 'RESET',
    details: { reset: true },
  },
  {
    title: 'an activity the server no longer knows (terminated workflow) cancels its prediction upstream',
    reason: 'NOT_FOUND',
    details: { notFound: true },
  },
];

describe('shouldStopSpending', () => {
  it('stops only for cancelRequested, reset and notFound; never for unknown details', () => {
    for (const c of RESUMABLE) expect(shouldStopSpending(new ActivityCancellationDetails(c.details))).toBe(false);
    for (const c of FINAL) expect(shouldStopSpending(new ActivityCancellationDetails(c.details))).toBe(true);
    expect(shouldStopSpending(undefined)).toBe(false);
  });
});

describe.each(['polling', 'webhooks'] as const)('a cancelled prediction activity (%s)', (mode) => {
  let emulator: ReplicateEmulator;
  let receiver: WebhookReceiver | undefined;
  let activities: ReturnType<typeof createReplicateActivities>;

  beforeAll(async () => {
    // Long enough that every cancellation lands while the prediction runs; no test waits on it.
    emulator = await startReplicateEmulator({ latencySeconds: 1.5, jitter: 0, tokens: [TOKEN] });
    const replicate = poolConfig([TOKEN], emulator.url, 2, mode === 'webhooks' ? await webhookEnv() : {});
    const pool = createReplicatePool(replicate.keys, emulator.url);
    receiver = replicate.webhook ? await startWebhookReceiver({ config: replicate.webhook, pool }) : undefined;
    const storage = new LocalStorage(await tempDataDir());
    const own = pool.get(1)!;
    activities = createReplicateActivities({
      own,
      pool,
      storage,
      tools,
      stats: new KeyStatsRecorder(own.key, storage),
      webhooks: receiver,
    });
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => {
    await receiver?.close();
    await emulator?.close();
  });

  const input = (tag: string) => ({ batchKey: `cancel-${tag}`, taskIndex: 0, prompt: `a kite ${tag}`, model: FLUX });

  /**
   * Attempt 1: cancelled as `c` says once it has checkpointed its prediction (and is waiting on it).
   * Resolves with the last checkpoint it heartbeated, as Temporal would hand it to attempt 2.
   */
  async function cancelledAttempt(c: CancellationCase, tag: string): Promise<PredictionCheckpoint> {
    const env = new MockActivityEnvironment({ attempt: 1 });
    let checkpoint: PredictionCheckpoint | undefined;
    env.on('heartbeat', (details: PredictionCheckpoint) => {
      if (!checkpoint) setImmediate(() => env.cancel(c.reason, new ActivityCancellationDetails(c.details)));
      checkpoint = details;
    });
    await expect(typedRunner(env)(activities.generateImage, input(tag))).rejects.toBeInstanceOf(CancelledFailure);
    expect(checkpoint?.predictionId).toEqual(expect.any(String));
    return checkpoint!;
  }

  for (const c of RESUMABLE) {
    it(c.title, async () => {
      const tag = randomUUID();
      const checkpoint = await cancelledAttempt(c, tag);
      expect(emulator.prediction(checkpoint.predictionId)?.status).toMatch(/^(starting|processing)$/);
      expect(emulator.stats()).toMatchObject({ cancelCalls: 0, totals: { created: 1, inFlight: 1, canceled: 0 } });

      const next = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: checkpoint });
      const result = await typedRunner(next)(activities.generateImage, input(tag));
      expect(result.predictionId).toBe(checkpoint.predictionId);
      expect(result.files).toHaveLength(1);
      expect(emulator.stats()).toMatchObject({
        cancelCalls: 0,
        totals: { created: 1, inFlight: 0, succeeded: 1, canceled: 0 },
      });
    });
  }

  for (const c of FINAL) {
    it(c.title, async () => {
      const checkpoint = await cancelledAttempt(c, randomUUID());
      expect(emulator.prediction(checkpoint.predictionId)?.status).toBe('canceled');
      expect(emulator.stats()).toMatchObject({
        cancelCalls: 1,
        totals: { created: 1, inFlight: 0, canceled: 1, succeeded: 0 },
      });
    });
  }
});

/** PENDING_ACTIVITY_STATE_PAUSED: paused on the server and no longer running on a worker. */
const PENDING_ACTIVITY_STATE_PAUSED = 4;

describe('pausing a prediction activity on the real Temporal server', () => {
  let client: Client;
  let emulator: ReplicateEmulator;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;

  beforeAll(async () => {
    client = await connectTestClient();
    // Long enough to pause the activity, see its attempt end and unpause while the prediction runs.
    emulator = await startReplicateEmulator({ latencySeconds: 8, jitter: 0, tokens: [TOKEN] });
    workers = await startTestWorkers({ replicate: poolConfig([TOKEN], emulator.url, 1) });
  });
  afterAll(async () => {
    await workers?.stop();
    await emulator?.close();
    await client?.connection.close();
  });

  const temporalCli = (...args: string[]) =>
    promisify(execFile)(inject('temporalCliPath'), [
      'activity',
      ...args,
      '--address',
      inject('temporalAddress'),
      '--namespace',
      'default',
    ]);

  it('leaves the prediction running while paused; after unpause the run completes with one prediction', async () => {
    const handle = await client.workflow.start(imageBatch, {
      taskQueue: workers.taskQueue,
      workflowId: `pause-${randomUUID()}`,
      args: [{ tasks: [{ prompt: 'a paused kite' }] }],
    });
    const pendingActivity = async () => (await handle.describe()).raw.pendingActivities?.[0];
    const running = await vi.waitFor(
      async () => {
        const activity = await pendingActivity();
        expect(activity?.heartbeatDetails?.payloads?.length, 'the prediction to be checkpointed').toBeTruthy();
        return activity!;
      },
      { timeout: 30_000 },
    );
    const target = ['--workflow-id', handle.workflowId, '--activity-id', running.activityId!];

    await temporalCli('pause', ...target);
    // The attempt learns of the pause from a heartbeat's answer and ends; the server holds the retry.
    const paused = await vi.waitFor(
      async () => {
        const activity = await pendingActivity();
        expect(activity?.state, 'the running attempt to end paused').toBe(PENDING_ACTIVITY_STATE_PAUSED);
        return activity!;
      },
      { timeout: 30_000 },
    );
    expect(paused.lastFailure?.applicationFailureInfo?.type).toBe('ActivityPause');
    const [created] = emulator.stats().creates;
    expect(emulator.prediction(created!.predictionId)?.status).toMatch(/^(starting|processing)$/);
    expect(emulator.stats()).toMatchObject({ cancelCalls: 0, totals: { created: 1, inFlight: 1, canceled: 0 } });

    await temporalCli('unpause', ...target);
    const result = await handle.result();
    expect(result.summary).toBe('1 successful, 0 failed');
    expect(emulator.prediction(created!.predictionId)?.status).toBe('succeeded');
    expect(emulator.stats()).toMatchObject({
      cancelCalls: 0,
      totals: { created: 1, succeeded: 1, canceled: 0, inFlight: 0 },
    });
  });
});
