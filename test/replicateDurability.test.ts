/**
 * SIGKILL the worker process while predictions run, start another: every short completes and every
 * scene's prediction was created exactly once, because the retried attempts resume the prediction
 * checkpointed in their heartbeat instead of paying for a new one. The worker is a real child
 * process (`reelflow worker`), so the kill takes its Temporal connections down with it.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { decodePayload } from '../src/temporal/dataConverter.js';
import { getShortProgressQuery, raiseBudgetUpdate } from '../src/workflows/definitions.js';
import { shortVideo } from '../src/workflows/index.js';
import { probe } from './support/media.js';
import { historyText } from './support/history.js';
import { type PoolFixture, replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { connectTestClient, tempDataDir } from './support/temporal.js';
import { type WorkerChild, killAll, startReelflowWorker, workerProcessEnv } from './support/workerProcess.js';

const KEYS = 3;
const SLOTS = 2;

let client: Client;
let fixture: PoolFixture;
const children: WorkerChild[] = [];

beforeAll(async () => {
  client = await connectTestClient();
  // Slow enough that predictions are still running when the worker dies (and a tight spread, so
  // none finishes and frees a slot in the instant before the kill).
  fixture = await startPoolFixture(KEYS, SLOTS, { latencySeconds: 4, jitter: 0.1 });
});

afterAll(async () => {
  await killAll(children);
  await fixture?.emulator.close();
  await client?.connection.close();
});

const workerEnv = (taskQueue: string, dataDir: string) => workerProcessEnv(fixture, SLOTS, taskQueue, dataDir);
const startWorkerProcess = (env: NodeJS.ProcessEnv) => startReelflowWorker(env, children, fixture.tokens);

describe('durable Replicate predictions', () => {
  it(
    'survives SIGKILL of the worker process: every short completes, every scene predicted exactly once',
    { timeout: 240_000 },
    async () => {
      const env = workerEnv(`durable-${randomUUID()}`, await tempDataDir());
      const first = await startWorkerProcess(env);

      const stories = Array.from({ length: 3 }, (_, i) => uniqueStory(`the harbour ${i}`));
      const handles: WorkflowHandle<typeof shortVideo>[] = await Promise.all(
        stories.map((story, i) =>
          client.workflow.start(shortVideo, {
            taskQueue: env.REELFLOW_TASK_QUEUE!,
            workflowId: `short-sigkill-${i}-${randomUUID()}`,
            args: [replicateShort(story) as never],
          }),
        ),
      );

      // Kill while every slot holds a running prediction and every short is past planning (a
      // planning activity caught by the kill would only be retried after its 1-minute timeout).
      await vi.waitFor(
        async () => {
          expect(fixture.emulator.stats().totals.inFlight, 'every slot busy').toBeGreaterThanOrEqual(KEYS * SLOTS);
          const stages = await Promise.all(handles.map((h) => h.query(getShortProgressQuery).then((p) => p.stage)));
          expect(stages, 'every short making its scenes').toEqual(handles.map(() => 'scenes'));
        },
        { timeout: 60_000, interval: 100 },
      );
      // Give the first heartbeat of the last-created predictions a moment to reach the server.
      await new Promise((r) => setTimeout(r, 300));
      const atKill = fixture.emulator.stats();
      expect(atKill.totals.inFlight).toBeGreaterThanOrEqual(3);
      expect(atKill.totals.succeeded).toBe(0);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(first.signalCode).toBe('SIGKILL');

      // Every running prediction left a checkpoint in its heartbeat: its id and key, never the token.
      // (Temporal keeps heartbeat details on the pending activity, not in the event history.)
      const pending = (
        await Promise.all(handles.map(async (h) => (await h.describe()).raw.pendingActivities ?? []))
      ).flat();
      const checkpoints = (
        await Promise.all(
          pending
            .filter(
              (a) => a.activityType?.name === 'generateSceneImageOnReplicate' && a.heartbeatDetails?.payloads?.length,
            )
            // Stored encrypted, like every payload: decoded with the client's codec.
            .map((a) =>
              decodePayload<Record<string, unknown> | null>(
                client.options.loadedDataConverter,
                a.heartbeatDetails!.payloads![0]!,
              ),
            ),
        )
      )
        // Activities queued behind a busy key (one prefetched per key) heartbeat with no checkpoint.
        .filter((c): c is Record<string, unknown> => c !== null && c !== undefined);
      expect(checkpoints).toHaveLength(atKill.totals.inFlight);
      const createdIds = atKill.creates.map((c) => c.predictionId);
      for (const checkpoint of checkpoints) {
        expect(createdIds).toContain(checkpoint.predictionId);
        expect(checkpoint).toMatchObject({ keyIndex: expect.any(Number), keyFingerprint: expect.any(String) });
      }
      const pendingText = await historyText(pending);
      for (const token of fixture.tokens) expect(pendingText).not.toContain(token);

      await new Promise((r) => setTimeout(r, 1_000));
      await startWorkerProcess(env);

      const results = (await Promise.all(handles.map((h) => h.result()))) as ShortResult[];
      for (const result of results) {
        expect(result.offline).toBe(false);
        const info = await probe(result.videoPath);
        expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
      }

      const stats = fixture.emulator.stats();
      // Exactly once: 9 scenes, 9 distinct inputs, each created once, none abandoned.
      expect(Object.keys(stats.predictionsByInput)).toHaveLength(9);
      expect(Object.values(stats.predictionsByInput)).toEqual(Array(9).fill(1));
      expect(stats.totals.created).toBe(9);
      expect(stats.totals.succeeded).toBe(9);

      // The predictions in flight at the kill were resumed by a retried attempt.
      let retried = 0;
      for (const [i, handle] of handles.entries()) {
        const history = await handle.fetchHistory();
        const text = await historyText(history);
        expect(text).toContain(stories[i]!);
        for (const token of fixture.tokens) expect(text).not.toContain(token);
        for (const event of history.events ?? []) {
          if ((event.activityTaskStartedEventAttributes?.attempt ?? 0) > 1) retried++;
        }
      }
      expect(retried).toBeGreaterThanOrEqual(atKill.totals.inFlight);

      // After a crash the orphaned predictions run on upstream while the new worker has fresh slots,
      // so a transient overshoot is possible by design: reported, not asserted.
      const peaks = fixture.tokens.map((t) => fixture.emulator.stats(t)?.peakInFlight ?? 0);
      console.log(
        `SIGKILL test: ${atKill.totals.inFlight} in flight at the kill, ${retried} attempts retried; ` +
          `peak in flight per key ${peaks.join('/')} (limit ${SLOTS}), violations ${stats.concurrencyViolations.length}`,
      );
    },
  );
  it(
    'survives SIGKILL during video predictions: the retried attempts resume them, no second clip is paid for',
    { timeout: 240_000 },
    async () => {
      const T2V = 'kwaivgi/kling-v2.5-turbo-pro';
      const videoCreates = () => fixture.emulator.stats().creates.filter((c) => c.model === T2V);
      const env = workerEnv(`durable-video-${randomUUID()}`, await tempDataDir());
      const first = await startWorkerProcess(env);
      const story = uniqueStory('the moving harbour', 2);
      const handle = await client.workflow.start(shortVideo, {
        taskQueue: env.REELFLOW_TASK_QUEUE!,
        workflowId: `short-sigkill-video-${randomUUID()}`,
        args: [{ ...replicateShort(story, 2), visuals: 'video', videoModel: T2V } as never],
      });
      // Both clips are being made upstream (each waits for its narration, then predicts for 4 s).
      await vi.waitFor(
        () => {
          const running = videoCreates().filter(
            (c) => fixture.emulator.prediction(c.predictionId)?.status !== 'succeeded',
          );
          expect(running, 'both clips upstream').toHaveLength(2);
        },
        { timeout: 60_000, interval: 100 },
      );
      await new Promise((r) => setTimeout(r, 300)); // the checkpoints' first heartbeat reaches the server
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(first.signalCode).toBe('SIGKILL');

      await startWorkerProcess(env);
      const result = (await handle.result()) as ShortResult;
      expect(result.scenes.map((s) => s.visualMode)).toEqual(['video', 'video']);
      expect(result.fallbacks).toBeUndefined();
      // Exactly two video predictions, each created once, both finished: the retries resumed them.
      const creates = videoCreates();
      expect(creates).toHaveLength(2);
      expect(new Set(creates.map((c) => c.inputHash)).size).toBe(2);
      for (const { predictionId } of creates)
        expect(fixture.emulator.prediction(predictionId)?.status).toBe('succeeded');
      const history = await handle.fetchHistory();
      const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1);
      expect(retried.length).toBeGreaterThanOrEqual(2);
      const info = await probe(result.videoPath);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
    },
  );
  it(
    'a run paused for its budget stays paused across SIGKILL of its worker and finishes once the cap is raised',
    { timeout: 240_000 },
    async () => {
      const env = workerEnv(`durable-budget-${randomUUID()}`, await tempDataDir());
      const first = await startWorkerProcess(env);
      const before = fixture.emulator.stats().totals.created;
      const handle = await client.workflow.start(shortVideo, {
        taskQueue: env.REELFLOW_TASK_QUEUE!,
        workflowId: `short-sigkill-budget-${randomUUID()}`,
        // Three flux-schnell images at $0.003: a $0.005 cap holds one of them.
        args: [{ ...replicateShort(uniqueStory('the thrifty harbour', 3), 3), budget: { maxUsd: 0.005 } } as never],
      });
      await vi.waitFor(
        async () => {
          const progress = await handle.query(getShortProgressQuery);
          expect(progress.stage).toBe('awaiting-budget');
          expect(progress.budget?.spentUsd).toBe(0.003);
        },
        { timeout: 60_000, interval: 200 },
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(fixture.emulator.stats().totals.created - before).toBe(1);

      // A new worker rebuilds the ledger from the history: still paused, still one prediction.
      await startWorkerProcess(env);
      const after = await handle.query(getShortProgressQuery);
      expect(after.stage).toBe('awaiting-budget');
      expect(after.budget).toMatchObject({ maxUsd: 0.005, spentUsd: 0.003, waiting: true });
      expect(fixture.emulator.stats().totals.created - before).toBe(1);
      await handle.executeUpdate(raiseBudgetUpdate, { args: [{ maxUsd: 0.05 }] });
      const result = (await handle.result()) as ShortResult;
      expect(fixture.emulator.stats().totals.created - before).toBe(3);
      expect(result.cost).toEqual({ usd: 0.009, predictions: 3, unpriced: 0 });
    },
  );
});
