/**
 * Approve the plan first, through the API on a real Temporal server and real workers: a short with
 * `approval` stops after planning with its plan and estimate visible; a wrong edit is a 400 that
 * changes nothing; an edited approval makes the short with the edited plan; /reject cancels it; an
 * approval that never comes ends the run as ApprovalTimedOut.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import type { ShortResult } from '../src/domain/result.js';
import { LocalStorage } from '../src/storage/index.js';
import { expectError, postJson, terminateAll } from './support/api.js';
import { type RunningWorkers, connectTestClient, startTestWorkers } from './support/temporal.js';

const STORY = 'A small fox woke up in the forest. It ran to the river. It slept in the warm sun.';
const QUICK = {
  aspect: '1:1',
  fps: 12,
  captions: false,
  transition: { type: 'cut', duration: 0 },
  provider: 'offline',
};

let client: Client;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  workers = await startTestWorkers();
  const config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir });
  app = createApp({ client, config, storage: new LocalStorage(workers.dataDir), taskQueue: workers.taskQueue });
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await client?.connection.close();
});

interface State {
  status: string;
  progress?: {
    stage: string;
    plan?: { scenes: { narration?: string }[] };
    estimate?: { usd: number; predictions: number };
    approval?: { edited: boolean };
  };
  result?: { plan?: { scenes: { narration?: string }[] } };
  error?: { type: string; message: string };
}

async function startShort(extra: Record<string, unknown>): Promise<string> {
  const res = await postJson(app, '/v1/shorts', { story: STORY, sceneCount: 3, ...QUICK, ...extra }, {}, started);
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function state(id: string): Promise<State> {
  return (await (await app.request(`/v1/shorts/${id}`)).json()) as State;
}

function awaitingApproval(id: string): Promise<State> {
  return vi.waitFor(
    async () => {
      const s = await state(id);
      expect(s.progress?.stage).toBe('awaiting-approval');
      return s;
    },
    { timeout: 30_000, interval: 200 },
  );
}

describe('approval: true', () => {
  it(
    'waits with the plan and its estimate; a wrong edit is refused; an edited approval makes the edited short',
    { timeout: 120_000 },
    async () => {
      const id = await startShort({ approval: { timeoutSeconds: 600 } });
      const waiting = await awaitingApproval(id);
      expect(waiting.status).toBe('running');
      expect(waiting.progress!.plan!.scenes).toHaveLength(3);
      // Offline art and espeak-ng: nothing to pay for.
      expect(waiting.progress!.estimate).toMatchObject({ usd: 0, predictions: 0 });

      // Two entries for a three-scene plan: refused by the workflow's validator, nothing changes.
      const wrong = await postJson(app, `/v1/shorts/${id}/approve`, { scenes: [{}, {}] }, {}, started);
      const body = await expectError(wrong, 400, 'invalid_request');
      expect(body.error.message).toContain('the plan has 3');
      await expectError(
        await postJson(app, `/v1/shorts/${id}/approve`, { scenes: 'all' }, {}, started),
        400,
        'invalid_request',
      );
      expect((await state(id)).progress?.stage).toBe('awaiting-approval');

      const edited = 'The fox found a golden key.';
      const ok = await postJson(
        app,
        `/v1/shorts/${id}/approve`,
        { scenes: [{ narration: edited }, {}, {}] },
        {},
        started,
      );
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ id, status: 'approved', edited: true, sceneCount: 3 });

      const result = (await client.workflow.getHandle(id).result()) as ShortResult;
      expect(result.plan!.scenes[0]!.narration).toBe(edited);
      expect(result.plan!.scenes[1]!.narration).toBe(waiting.progress!.plan!.scenes[1]!.narration);
      expect(result.scenes[0]!.preview).toContain('The fox found a golden key');
      // Approving a finished run is a 409.
      await expectError(await postJson(app, `/v1/shorts/${id}/approve`, {}, {}, started), 409, 'not_awaiting_approval');
    },
  );

  it('POST /reject cancels the waiting short', { timeout: 60_000 }, async () => {
    const id = await startShort({ approval: true });
    await awaitingApproval(id);
    const res = await app.request(`/v1/shorts/${id}/reject`, { method: 'POST' });
    expect(res.status).toBe(202);
    await vi.waitFor(async () => expect((await state(id)).status).toBe('cancelled'), { timeout: 20_000 });
  });

  it(
    'an approval that never comes ends the run as ApprovalTimedOut, having made nothing',
    { timeout: 60_000 },
    async () => {
      const id = await startShort({ approval: { timeoutSeconds: 1 } });
      const ended = await vi.waitFor(
        async () => {
          const s = await state(id);
          expect(s.status).toBe('failed');
          return s;
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(ended.error).toMatchObject({ type: 'ApprovalTimedOut' });
      const history = await client.workflow.getHandle(id).fetchHistory();
      const activities = (history.events ?? []).flatMap(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      expect(activities).toEqual(['planScenes']);
    },
  );

  it('a short without approval has no approve step: approving it is a 409', { timeout: 60_000 }, async () => {
    const id = await startShort({});
    await expectError(await postJson(app, `/v1/shorts/${id}/approve`, {}, {}, started), 409, 'not_awaiting_approval');
  });
});
