/**
 * Two long videos at once on a small pool, and SIGKILL of the worker process while their chunks
 * are being transcribed: both finish on a new process, every chunk was predicted exactly once (the
 * retried attempts resume their checkpointed predictions), and no key ever ran more than its limit.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { LongVideoResult } from '../src/domain/longVideo.js';
import { videoKind } from '../src/runs/kinds/video.js';
import { RunService } from '../src/runs/service.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { distinctWords, makeSpokenVideo } from './support/spokenVideo.js';
import { connectTestClient, tempDataDir } from './support/temporal.js';
import { type WorkerChild, killAll, startReelflowWorker, workerProcessEnv } from './support/workerProcess.js';

const KEYS = 2;
const SLOTS = 1;
const WHISPERX = 'victor-upmeet/whisperx';

let client: Client;
let fixture: PoolFixture;
const children: WorkerChild[] = [];

beforeAll(async () => {
  client = await connectTestClient();
  fixture = await startPoolFixture(KEYS, SLOTS, { latencySeconds: 3, jitter: 0.1 });
});

afterAll(async () => {
  await killAll(children);
  await fixture?.emulator.close();
  await client?.connection.close();
});

describe('long videos across a worker crash', () => {
  it(
    'two videos share the pool within every limit; SIGKILL mid-run loses nothing and predicts no chunk twice',
    { timeout: 240_000 },
    async () => {
      const dataDir = await tempDataDir();
      const env = workerProcessEnv(fixture, SLOTS, `durable-video-${randomUUID()}`, dataDir);
      const words = await distinctWords();
      // Two uploads of 12 minutes, 4 chunks of 3 minutes each: 8 chunks for 2 slots.
      const refs = await Promise.all(
        [0, 1].map(async (n) => {
          const ref = `uploads/${randomUUID().replace(/-/g, '')}/source.mp4`;
          await mkdir(path.dirname(path.join(dataDir, ref)), { recursive: true });
          await makeSpokenVideo(
            path.join(dataDir, ref),
            720,
            [20, 200, 380, 560, 700].map((at, i) => ({ word: words[(i + n) % words.length]!, at })),
          );
          return ref;
        }),
      );
      const first = await startReelflowWorker(env, children, fixture.tokens);
      const runs = new RunService(client, parseConfig(env));
      const before = fixture.emulator.stats().creates.filter((c) => c.model === WHISPERX).length;
      const ids = await Promise.all(
        refs.map(
          async (ref) =>
            (
              await runs.start(
                videoKind,
                { ref, chunkMinutes: 3, task: 'transcribe', strict: false },
                { taskQueue: env.REELFLOW_TASK_QUEUE! },
              )
            ).id,
        ),
      );
      const creates = () => fixture.emulator.stats().creates.filter((c) => c.model === WHISPERX).length - before;
      await vi.waitFor(() => expect(fixture.emulator.stats().totals.inFlight, 'both slots transcribing').toBe(KEYS), {
        timeout: 90_000,
        interval: 100,
      });
      await new Promise((r) => setTimeout(r, 300)); // the checkpoints' first heartbeat reaches the server
      const atKill = creates();
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      expect(atKill).toBeLessThan(8);

      await startReelflowWorker(env, children, fixture.tokens);
      const results = (await Promise.all(ids.map((id) => client.workflow.getHandle(id).result()))) as LongVideoResult[];
      for (const r of results) {
        expect(r.summary).toBe('4 chunks: 4 successful, 0 failed');
        expect(r.words).toBe(5);
      }
      expect(creates(), 'one prediction per chunk, none twice').toBe(8);
      for (const t of Object.values(fixture.emulator.stats().tokens)) expect(t.peakInFlight).toBeLessThanOrEqual(SLOTS);
      const retried = (await Promise.all(ids.map((id) => client.workflow.getHandle(id).fetchHistory()))).flatMap((h) =>
        (h.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1),
      );
      expect(retried.length, 'the killed attempts were retried, not replaced').toBeGreaterThanOrEqual(1);
    },
  );
});
