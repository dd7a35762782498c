/**
 * A run on a user's own Replicate token survives SIGKILL of the worker process that served the
 * token's key worker: the new process has no key worker for the token until the run asks for one,
 * and the run keeps asking while its predictions wait (patched 'user-key-keepalive'), so the
 * retried attempts are picked up and resume their checkpointed predictions, never paying twice.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { ImageBatchResult } from '../src/domain/batch.js';
import { batchKind } from '../src/runs/kinds/batch.js';
import { RunService } from '../src/runs/service.js';
import { type PoolFixture, startPoolFixture, testToken } from './support/replicate.js';
import { rawHistoryText } from './support/history.js';
import { connectTestClient, tempDataDir } from './support/temporal.js';
import { type WorkerChild, killAll, startReelflowWorker, workerProcessEnv } from './support/workerProcess.js';

const USER = testToken(71);
const SLOTS = 2;

let client: Client;
let fixture: PoolFixture;
const children: WorkerChild[] = [];

beforeAll(async () => {
  client = await connectTestClient();
  fixture = await startPoolFixture(1, SLOTS, { latencySeconds: 4, jitter: 0.1, tokens: [testToken(70), USER] });
});

afterAll(async () => {
  await killAll(children);
  await fixture?.emulator.close();
  await client?.connection.close();
});

describe("a user's own token across a worker crash", () => {
  it(
    'SIGKILL while its predictions run: the run finishes on a new process with each prediction made once, on the token',
    { timeout: 240_000 },
    async () => {
      const env = workerProcessEnv(fixture, SLOTS, `durable-user-${randomUUID()}`, await tempDataDir());
      const first = await startReelflowWorker(env, children, fixture.tokens);
      const runs = new RunService(client, parseConfig(env));
      const started = await runs.start(
        batchKind,
        {
          download: true,
          tasks: [{ prompt: `a crashed lighthouse ${randomUUID()}` }, { prompt: `a crashed harbour ${randomUUID()}` }],
        },
        { taskQueue: env.REELFLOW_TASK_QUEUE!, replicateToken: USER },
      );
      const created = () => fixture.emulator.stats(USER)?.created ?? 0;
      await vi.waitFor(() => expect(created(), 'both predictions upstream').toBe(2), {
        timeout: 60_000,
        interval: 100,
      });
      await new Promise((r) => setTimeout(r, 300)); // the checkpoints' first heartbeat reaches the server
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));

      await startReelflowWorker(env, children, fixture.tokens);
      const handle = client.workflow.getHandle(started.id);
      const result = (await handle.result()) as ImageBatchResult;
      expect(result.successful_results).toHaveLength(2);
      expect(result.failed_results).toEqual([]);
      // Two predictions ever, both on the user's token, none on the server's key.
      expect(created()).toBe(2);
      expect(fixture.emulator.stats(fixture.tokens[0]!)?.created ?? 0).toBe(0);
      const history = await handle.fetchHistory();
      const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1);
      expect(retried.length, 'the killed attempts were retried, not replaced').toBeGreaterThanOrEqual(2);
      expect(rawHistoryText(history)).not.toContain(USER);
    },
  );
});
