import { type Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { decodePayload } from '../src/temporal/dataConverter.js';
import { shortVideo } from '../src/workflows/index.js';
import { historyText } from './support/history.js';
import { probe } from './support/media.js';
import {
  type WireRequest,
  poolConfig,
  replicateShort,
  startPoolFixture,
  startRecordingProxy,
  testToken,
  uniqueStory,
} from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

let client: Client;
/** Stopped after each test, last started first. */
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  client = await connectTestClient();
});

afterEach(async () => {
  const pending = cleanups.reverse();
  cleanups = [];
  for (const stop of pending) await stop();
});

afterAll(async () => {
  await client?.connection.close();
});

/** An emulator with `keys` known tokens, and the production worker set serving them with `limit` slots each. */
async function pool(keys: number, limit: number, emulatorOptions: Parameters<typeof startPoolFixture>[2] = {}) {
  const fixture = await startPoolFixture(keys, limit, emulatorOptions);
  cleanups.push(() => fixture.emulator.close());
  const workers = await startTestWorkers({ replicate: fixture.replicate });
  cleanups.push(() => workers.stop());
  return { ...fixture, workers };
}

function startShort(
  workers: RunningWorkers,
  name: string,
  input: Record<string, unknown>,
): Promise<WorkflowHandle<typeof shortVideo>> {
  return client.workflow.start(shortVideo, {
    taskQueue: workers.taskQueue,
    workflowId: `${name}-${randomUUID()}`,
    args: [input as never],
  });
}

/** The failure a workflow ended with, or fails the test if it completed. */
async function workflowFailure(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    () => expect.unreachable('the workflow should not complete'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Final attempt number of every Replicate scene activity (history records only the last attempt's start). */
function replicateAttempts(events: HistoryEvent[]): number[] {
  const scheduled = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateSceneImageOnReplicate')
      .map((e) => String(e.eventId)),
  );
  return events
    .filter(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)),
    )
    .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
}

/** Tokens must never reach history; the story must (proves payloads were decoded before searching). */
async function expectHistoryFreeOfTokens(
  handle: WorkflowHandle,
  story: string,
  tokens: string[],
): Promise<HistoryEvent[]> {
  const history = await handle.fetchHistory();
  const text = await historyText(history);
  expect(text).toContain(story);
  for (const token of tokens) {
    expect(text).not.toContain(token);
    // Not even the part after the r8_ prefix.
    expect(text).not.toContain(token.slice(3));
  }
  return history.events ?? [];
}

describe('Replicate key pool on a real Temporal server', () => {
  it('makes many shorts at once from the pool without any key going over its limit', async () => {
    const { emulator, tokens, workers } = await pool(3, 2, { latencySeconds: 0.5, jitter: 0.5 });
    const stories = Array.from({ length: 6 }, (_, i) => uniqueStory(`valley ${i}`));
    const handles = await Promise.all(
      stories.map((story, i) => startShort(workers, `short-pool-${i}`, replicateShort(story))),
    );
    const results = (await Promise.all(handles.map((h) => h.result()))) as ShortResult[];

    const stats = emulator.stats();
    expect(stats.totals.created).toBe(18);
    expect(stats.totals.succeeded).toBe(18);
    // One prediction per scene: 18 distinct inputs, each created once.
    expect(Object.values(stats.predictionsByInput)).toEqual(Array(18).fill(1));
    expect(stats.concurrencyViolations).toEqual([]);
    const peaks = tokens.map((token) => emulator.stats(token)?.peakInFlight ?? 0);
    for (const peak of peaks) expect(peak).toBeLessThanOrEqual(2);
    // The pool was under pressure (a limit was actually reached), so the bound above means something.
    expect(Math.max(...peaks)).toBe(2);
    // The pool spreads the load: every key did some of the work.
    for (const token of tokens) expect(emulator.stats(token)?.created ?? 0).toBeGreaterThan(0);
    console.log(
      `many shorts: per-key created ${tokens.map((t) => emulator.stats(t)?.created).join('/')}, peaks ${peaks.join('/')}`,
    );

    for (const result of results) {
      expect(result.offline).toBe(false);
      expect(result.providers.visuals).toEqual(['replicate:black-forest-labs/flux-schnell']);
      const info = await probe(result.videoPath);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
    }
    await expectHistoryFreeOfTokens(handles[0]!, stories[0]!, tokens);
  });

  it('cancelling a short cancels its predictions upstream and starts nothing new', async () => {
    // Two keys with one slot each and four scenes: two predictions run, two wait in the queue.
    const { emulator, tokens, workers } = await pool(2, 1, { latencySeconds: 8, jitter: 0 });
    const story = uniqueStory('the cancelled wood', 4);
    const handle = await startShort(workers, 'short-cancel', replicateShort(story, 4));
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(2), { timeout: 30_000 });

    // Both running activities have checkpointed their prediction in a heartbeat, without the token.
    const pending = await vi.waitFor(
      async () => {
        // The two activities queued behind them (one prefetched per key) heartbeat too, with no
        // checkpoint, while they wait for a slot; only the running ones carry a prediction.
        const activities = (await handle.describe()).raw.pendingActivities ?? [];
        const text = await historyText(activities);
        const created = emulator.stats().creates;
        expect(created, 'both created').toHaveLength(2);
        for (const { predictionId } of created) expect(text, 'both checkpoints').toContain(predictionId);
        return activities;
      },
      { timeout: 30_000 },
    );
    const pendingText = await historyText(pending);
    for (const token of tokens) expect(pendingText).not.toContain(token);

    await handle.cancel();
    const err = await workflowFailure(handle);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');

    // Both running predictions are cancelled upstream (well before their 8 s would have run out).
    await vi.waitFor(() => expect(emulator.stats().totals.inFlight).toBe(0), { timeout: 7_000 });
    const stats = emulator.stats();
    expect(stats.totals.created).toBe(2);
    expect(stats.cancelCalls).toBeGreaterThanOrEqual(2);
    expect(stats.totals.canceled).toBe(2);
    expect(stats.totals.succeeded).toBe(0);
    for (const { predictionId } of stats.creates) expect(emulator.prediction(predictionId)?.status).toBe('canceled');

    // The freed slots do not pick up the cancelled run's queued scenes.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(emulator.stats().totals.created).toBe(2);
    expect(emulator.stats().totals.inFlight).toBe(0);
    await expectHistoryFreeOfTokens(handle, story, tokens);
  });

  it('a 429 storm ends in success, with one request per attempt and retries spaced by Retry-After', async () => {
    const tokens = [testToken(1), testToken(2), testToken(3)];
    const emulator = await startReplicateEmulator({ latencySeconds: 0.3, jitter: 0.5, tokens, concurrencyLimit: 2 });
    cleanups.push(() => emulator.close());
    const proxy = await startRecordingProxy(emulator);
    cleanups.push(() => proxy.close());
    const workers = await startTestWorkers({ replicate: poolConfig(tokens, proxy.url, 2) });
    cleanups.push(() => workers.stop());

    const throttled = 6;
    emulator.setFaults({ throttleNext: throttled, retryAfterSeconds: 1 });
    const story = uniqueStory('the stormy bay');
    const handle = await startShort(workers, 'short-429', replicateShort(story));
    const result = (await handle.result()) as ShortResult;
    expect(result.offline).toBe(false);

    const stats = emulator.stats();
    expect(stats.totals.throttled).toBe(throttled);
    expect(stats.totals.created).toBe(3);
    expect(Object.values(stats.predictionsByInput)).toEqual([1, 1, 1]);
    // Bounded: every create request on the wire is either one of the storm's 429s or a success.
    const creates = proxy.creates();
    expect(creates.filter((r) => r.status === 429)).toHaveLength(throttled);
    expect(creates.filter((r) => r.status === 201)).toHaveLength(3);
    expect(creates).toHaveLength(throttled + 3);

    // Spaced: the next create for the same input comes at least Retry-After (1 s) after a 429.
    const byInput = new Map<string, WireRequest[]>();
    for (const r of creates) byInput.set(r.inputHash!, [...(byInput.get(r.inputHash!) ?? []), r]);
    expect(byInput.size).toBe(3);
    for (const requests of byInput.values()) {
      const ordered = [...requests].sort((a, b) => a.at - b.at);
      ordered.forEach((r, i) => {
        if (i === 0) return;
        expect(ordered[i - 1]!.status).toBe(429);
        expect(r.at - ordered[i - 1]!.at).toBeGreaterThanOrEqual(950);
      });
      expect(ordered.at(-1)!.status).toBe(201);
    }

    // Temporal made the retries: one activity attempt per create request.
    const events = await expectHistoryFreeOfTokens(handle, story, tokens);
    const attempts = replicateAttempts(events);
    expect(attempts).toHaveLength(3);
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(throttled + 3);
  });

  it('an invalid token fails the short at once with ReplicateAuthFailed naming the masked key only', async () => {
    const known = testToken(1);
    const invalid = `r8_${'n'.repeat(32)}xxxx`;
    const emulator = await startReplicateEmulator({ latencySeconds: 0.3, tokens: [known] });
    cleanups.push(() => emulator.close());
    const workers = await startTestWorkers({ replicate: poolConfig([invalid], emulator.url, 2) });
    cleanups.push(() => workers.stop());

    const story = uniqueStory('the locked gate', 2);
    const handle = await startShort(workers, 'short-badkey', replicateShort(story, 2));
    const err = await workflowFailure(handle);
    const cause = err.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.message).toMatch(/#1 \(r8_…xxxx\)/);
    expect(cause.message).not.toContain(invalid);

    const events = await expectHistoryFreeOfTokens(handle, story, [invalid, known]);
    const failures = events
      .filter((e) => e.activityTaskFailedEventAttributes)
      .map((e) => e.activityTaskFailedEventAttributes!.failure!);
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure.applicationFailureInfo?.type).toBe('ReplicateAuthFailed');
      expect(failure.applicationFailureInfo?.nonRetryable).toBe(true);
      // The message is stored encrypted, in the failure's encoded attributes.
      expect(failure.message).toBe('Encoded failure');
      const attributes = await decodePayload<{ message: string }>(
        client.options.loadedDataConverter,
        failure.encodedAttributes!,
      );
      expect(attributes.message).toContain('#1 (r8_…xxxx)');
    }
    // Non-retryable: one attempt per scene, one request per attempt, nothing created.
    expect(replicateAttempts(events)).toEqual([1, 1]);
    expect(emulator.stats().unauthorized).toBe(2);
    expect(emulator.stats().totals.created).toBe(0);
  });

  it('a prediction failing with E6716 is predicted again and the short completes', async () => {
    const { emulator, tokens, workers } = await pool(3, 2);
    expect(emulator.setFaults({ transientFailFirstN: 1 }).transientFailFirstN).toBe(1);
    const story = uniqueStory('the flaky mill');
    const handle = await startShort(workers, 'short-e6716', replicateShort(story));
    const result = (await handle.result()) as ShortResult;
    expect(result.offline).toBe(false);

    const stats = emulator.stats();
    expect(stats.totals.failed).toBe(1);
    expect(stats.totals.succeeded).toBe(3);
    expect(stats.totals.created).toBe(4);
    // The failed scene's input was created twice, every other scene's once.
    expect(Object.values(stats.predictionsByInput).sort()).toEqual([1, 1, 2]);
    const events = await expectHistoryFreeOfTokens(handle, story, tokens);
    expect(replicateAttempts(events).sort()).toEqual([1, 1, 2]);
  });
});
