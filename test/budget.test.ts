/**
 * Budget caps on a real Temporal server against the Replicate emulator, asserted on the emulator's
 * accounting: a cap below the short's cost starts no prediction past it, the run waits in
 * `awaiting-budget`, and it finishes once the cap is raised through the API; with
 * `onExceed: "fail"` the run fails BudgetExceeded instead, having paid only for what fit.
 */
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import type { ShortResult } from '../src/domain/result.js';
import { LocalStorage } from '../src/storage/index.js';
import { getShortProgressQuery } from '../src/workflows/definitions.js';
import { shortVideo } from '../src/workflows/index.js';
import { expectError, postJson } from './support/api.js';
import { replicateShort, startPoolFixture, uniqueStory } from './support/replicate.js';
import { connectTestClient, startTestWorkers } from './support/temporal.js';

let client: Client;
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  client = await connectTestClient();
});

afterEach(async () => {
  for (const stop of cleanups.reverse()) await stop();
  cleanups = [];
});

afterAll(async () => {
  await client?.connection.close();
});

async function pool() {
  const fixture = await startPoolFixture(1, 4, { latencySeconds: 0.4, jitter: 0 });
  cleanups.push(() => fixture.emulator.close());
  const workers = await startTestWorkers({ replicate: fixture.replicate });
  cleanups.push(() => workers.stop());
  return { ...fixture, workers };
}

describe('budget caps', () => {
  it(
    'a cap below the short pauses it before the prediction that would cross it; raising the cap finishes it',
    { timeout: 120_000 },
    async () => {
      const { emulator, workers, replicate } = await pool();
      const config = { ...parseConfig({ ...process.env, DATA_DIR: workers.dataDir }), replicate };
      const app = createApp({
        client,
        config,
        storage: new LocalStorage(workers.dataDir),
        taskQueue: workers.taskQueue,
      });
      const handle = await client.workflow.start(shortVideo, {
        taskQueue: workers.taskQueue,
        workflowId: `short-budget-${randomUUID()}`,
        // Three flux-schnell images at $0.003: a $0.005 cap holds one of them.
        args: [{ ...replicateShort(uniqueStory('the frugal fox', 3), 3), budget: { maxUsd: 0.005 } } as never],
      });
      await vi.waitFor(async () => expect((await handle.query(getShortProgressQuery)).stage).toBe('awaiting-budget'), {
        timeout: 30_000,
        interval: 200,
      });
      // The one prediction that fit settles; nothing else has started meanwhile.
      await vi.waitFor(async () => expect((await handle.query(getShortProgressQuery)).budget?.spentUsd).toBe(0.003), {
        timeout: 30_000,
        interval: 200,
      });
      expect(emulator.stats().totals.created).toBe(1);
      const waiting = await handle.query(getShortProgressQuery);
      expect(waiting.budget).toMatchObject({
        maxUsd: 0.005,
        spentUsd: 0.003,
        reservedUsd: 0,
        waiting: true,
        alerts: [50],
      });

      // A cap that is not higher is refused and changes nothing; a higher one lets it finish.
      const started = new Set<string>();
      await expectError(
        await postJson(app, `/v1/shorts/${handle.workflowId}/budget`, { maxUsd: 0.004 }, {}, started),
        400,
        'invalid_request',
      );
      await expectError(
        await postJson(app, `/v1/shorts/${handle.workflowId}/budget`, { maxUsd: 'more' }, {}, started),
        400,
        'invalid_request',
      );
      const raised = await postJson(app, `/v1/shorts/${handle.workflowId}/budget`, { maxUsd: 0.05 }, {}, started);
      expect(raised.status).toBe(200);
      expect(((await raised.json()) as { budget: { maxUsd: number } }).budget.maxUsd).toBe(0.05);

      const result = (await handle.result()) as ShortResult;
      expect(emulator.stats().totals.created).toBe(3);
      expect(result.cost).toEqual({ usd: 0.009, predictions: 3, unpriced: 0 });
      // After the end there is no cap to raise.
      await expectError(
        await postJson(app, `/v1/shorts/${handle.workflowId}/budget`, { maxUsd: 1 }, {}, started),
        409,
        'already_finished',
      );
    },
  );

  it('onExceed "fail": the run fails BudgetExceeded, having started only what fit', { timeout: 120_000 }, async () => {
    const { emulator, workers } = await pool();
    const handle = await client.workflow.start(shortVideo, {
      taskQueue: workers.taskQueue,
      workflowId: `short-budget-fail-${randomUUID()}`,
      args: [
        {
          ...replicateShort(uniqueStory('the strict fox', 3), 3),
          budget: { maxUsd: 0.004, onExceed: 'fail' },
        } as never,
      ],
    });
    const err = await handle.result().then(
      () => expect.unreachable('the run should fail'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'BudgetExceeded' });
    expect(emulator.stats().totals.created).toBe(1);
  });
});
