/**
 * Shorts from a long video across a worker crash: SIGKILL of the `reelflow worker` process while
 * the shorts are being made. A new process finishes every short whole, and the LLM that picked the
 * moments is not asked (or paid) again: the picked moments are kept in storage.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OpenAiEmulator, startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { probeMedia } from '../src/media/ffmpeg.js';
import { LocalStorage } from '../src/storage/index.js';
import { getHighlightsProgressQuery } from '../src/workflows/definitions.js';
import { videoHighlights } from '../src/workflows/videoHighlights.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { distinctWords, makeSpokenVideo } from './support/spokenVideo.js';
import { connectTestClient, tempDataDir } from './support/temporal.js';
import { type WorkerChild, killAll, startReelflowWorker, workerProcessEnv } from './support/workerProcess.js';

const LLM_KEY = 'emulated-llm-key-highlights-durable';
let client: Client;
let fixture: PoolFixture;
let llm: OpenAiEmulator;
const children: WorkerChild[] = [];

beforeAll(async () => {
  client = await connectTestClient();
  fixture = await startPoolFixture(1, 1);
  llm = await startOpenAiEmulator({ keys: [LLM_KEY] });
});

afterAll(async () => {
  await killAll(children);
  await Promise.all([fixture?.emulator.close(), llm?.close()]);
  await client?.connection.close();
});

describe('shorts from a long video across a worker crash', () => {
  it(
    'SIGKILL while the shorts are made: all finish whole on a new process, the LLM asked once',
    { timeout: 240_000 },
    async () => {
      const dataDir = await tempDataDir();
      const env: NodeJS.ProcessEnv = {
        ...workerProcessEnv(fixture, 1, `durable-highlights-${randomUUID()}`, dataDir),
        LLM_BASE_URL: llm.url,
        LLM_API_KEY: LLM_KEY,
        LLM_MODEL: 'emulator-planner',
      };
      // The video and the transcript a transcription of it would have stored: three busy stretches.
      const words = await distinctWords();
      const sourceRef = `uploads/${randomUUID().replace(/-/g, '')}/source.mp4`;
      await mkdir(path.dirname(path.join(dataDir, sourceRef)), { recursive: true });
      const times = [10, 12, 14, 16, 50, 52, 54, 56, 90, 92, 94, 96];
      const said = await makeSpokenVideo(
        path.join(dataDir, sourceRef),
        120,
        times.map((at, i) => ({ word: words[i % words.length]!, at })),
        { picture: 'color=c=0x336699:s=320x180:r=10:d=120' },
      );
      const transcriptRef = `videos/durable-${randomUUID()}/transcript.json`;
      const segments = said.map((w) => ({ start: w.start, end: w.end, text: w.word, words: [{ ...w }] }));
      await new LocalStorage(dataDir).write(
        transcriptRef,
        JSON.stringify({ language: 'en', durationSec: 120, segments }),
      );

      const first = await startReelflowWorker(env, children, fixture.tokens);
      const id = `highlights-3x10s-durable-${randomUUID().slice(0, 8)}`;
      const handle = await client.workflow.start(videoHighlights, {
        taskQueue: env.REELFLOW_TASK_QUEUE!,
        workflowId: id,
        args: [
          {
            videoId: 'video-transcribe-1min-durable',
            transcriptRef,
            sourceRef,
            durationSec: 120,
            language: 'en',
            count: 3,
            lengthSec: 10,
            captionStyle: 'pages',
            width: 1080,
            height: 1920,
            fps: 30,
          },
        ],
      });
      await vi.waitFor(
        async () => {
          const progress = await handle.query(getHighlightsProgressQuery);
          expect(progress.shorts.some((s) => s.status === 'rendering' || s.status === 'mixing')).toBe(true);
        },
        { timeout: 90_000, interval: 100 },
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const chatsAtKill = llm.stats().byEndpoint.chat ?? 0;
      expect(chatsAtKill).toBe(1);

      await startReelflowWorker(env, children, fixture.tokens);
      const result = await handle.result();
      expect(result.summary).toBe('3 shorts: 3 made, 0 failed');
      expect(llm.stats().byEndpoint.chat ?? 0, 'the moments were not picked again').toBe(1);
      for (const short of result.shorts) {
        const probe = await probeMedia({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }, path.join(dataDir, short.videoRef!));
        expect(probe.durationSec).toBeCloseTo(short.endSec - short.startSec, 1);
      }
      const history = await handle.fetchHistory();
      const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1);
      expect(retried.length, 'the killed attempts were retried').toBeGreaterThanOrEqual(1);
    },
  );
});
