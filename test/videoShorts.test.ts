/**
 * Shorts cut from a long video, on a real Temporal server with real ffmpeg: a 16:9 video that
 * says known words in two busy stretches is transcribed by the emulator's WhisperX, then
 * POST /v1/videos/:id/shorts asks the (emulated) LLM for its moments and makes a vertical,
 * captioned, loudness-normalised short of each. Everything checked is measured on the files.
 */
import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { parseConfig } from '../src/config/index.js';
import { type OpenAiEmulator, startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { createLlmClient } from '../src/llm/client.js';
import { measureLoudness } from '../src/media/audio/loudness.js';
import { type MediaTools, probeMedia } from '../src/media/ffmpeg.js';
import type { Moment } from '../src/domain/highlights.js';
import { LocalStorage } from '../src/storage/index.js';
import { videoHighlights } from '../src/workflows/videoHighlights.js';
import { expectError, terminateAll } from './support/api.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type SpokenWord, distinctWords, makeSpokenVideo } from './support/spokenVideo.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

const run = promisify(execFile);
const tools: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const LLM_KEY = 'emulated-llm-key-highlights';
/** Two busy stretches (six words from 20 s, five from 80 s) and a few lone words between. */
const BUSY_A = [20, 22, 24, 26, 28, 30];
const BUSY_B = [80, 82.5, 85, 87.5, 90];
const LONE = [5, 50, 110];
/** 16:9, red on the left, green in the middle, blue on the right: a centre crop to 9:16 is all green. */
const PICTURE =
  'color=c=green:s=320x180:r=10:d=120,drawbox=x=0:y=0:w=100:h=180:color=red:t=fill,drawbox=x=220:y=0:w=100:h=180:color=blue:t=fill';

let client: Client;
let fixture: PoolFixture;
let llm: OpenAiEmulator;
let workers: RunningWorkers;
let app: ReturnType<typeof createApp>;
let storage: LocalStorage;
let said: SpokenWord[];
let videoId: string;
const started = new Set<string>();

beforeAll(async () => {
  const dir = await tempDataDir();
  const words = await distinctWords();
  const times = [...LONE, ...BUSY_A, ...BUSY_B].sort((a, b) => a - b);
  const file = path.join(dir, 'talk.mp4');
  said = await makeSpokenVideo(
    file,
    120,
    times.map((at, i) => ({ word: words[i % words.length]!, at })),
    { picture: PICTURE },
  );
  client = await connectTestClient();
  fixture = await startPoolFixture(2, 1, { latencySeconds: 0.2, jitter: 0 });
  llm = await startOpenAiEmulator({ keys: [LLM_KEY] });
  const env = { ...process.env, LLM_BASE_URL: llm.url, LLM_API_KEY: LLM_KEY, LLM_MODEL: 'emulator-planner' };
  const llmConfig = parseConfig(env).providers.llm!;
  workers = await startTestWorkers({
    replicate: fixture.replicate,
    deps: { llm: { client: createLlmClient(llmConfig), config: llmConfig } },
  });
  storage = new LocalStorage(workers.dataDir);
  const config = parseConfig({ ...process.env, DATA_DIR: workers.dataDir });
  app = createApp({
    client,
    config: { ...config, replicate: fixture.replicate },
    storage,
    taskQueue: workers.taskQueue,
  });

  const form = new FormData();
  form.set('file', new Blob([await readFile(file)], { type: 'video/mp4' }), 'talk.mp4');
  form.set('chunkMinutes', '1');
  const res = await app.request('/v1/videos', { method: 'POST', body: form });
  expect(res.status).toBe(202);
  videoId = ((await res.json()) as { id: string }).id;
  started.add(videoId);
  await client.workflow.getHandle(videoId).result();
}, 240_000);

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await Promise.all([fixture?.emulator.close(), llm?.close()]);
  await client?.connection.close();
});

async function cutShorts(id: string, body: unknown) {
  const res = await app.request(`/v1/videos/${id}/shorts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 202) started.add(((await res.clone().json()) as { id: string }).id);
  return res;
}

/** A short as GET /v1/highlights/:id shows it: its moment, and the video made of it. */
type PublicShort = Moment & {
  status: string;
  video: string;
  width: number;
  height: number;
  durationSec: number;
  framing: string;
};

/** Where the transcribed video's file is (the run's result says). */
async function sourceRefOf(id: string): Promise<string | undefined> {
  return ((await client.workflow.getHandle(id).result()) as { sourceRef?: string }).sourceRef;
}

const chats = () => llm.stats().byEndpoint.chat ?? 0;

describe('shorts from a long video', () => {
  it(
    'the two busy stretches become two vertical shorts: whole words, centre crop, captions on the words, −14 LUFS',
    { timeout: 300_000 },
    async () => {
      const chatsBefore = chats();
      const res = await cutShorts(videoId, { count: 2, lengthSec: 12 });
      expect(res.status).toBe(202);
      const { id, video } = (await res.json()) as { id: string; video: string };
      expect(id).toMatch(/^highlights-2x12s-from-/);
      expect(video).toBe(videoId);
      await client.workflow.getHandle(id).result();
      expect(chats() - chatsBefore, 'one LLM round trip picked the moments').toBe(1);

      const state = (await (await app.request(`/v1/highlights/${id}`)).json()) as {
        status: string;
        result: { picker: string; summary: string; shorts: PublicShort[] };
      };
      expect(state.status).toBe('completed');
      expect(state.result.picker).toBe('llm:emulator-planner');
      expect(state.result.summary).toBe('2 shorts: 2 made, 0 failed');
      const [first, second] = state.result.shorts;
      for (const [short, busy] of [
        [first!, BUSY_A],
        [second!, BUSY_B],
      ] as const) {
        const inside = said.filter((w) => busy.includes(w.start));
        // Every word of the stretch is in it, whole: it starts just before the first and ends just after the last.
        expect(short.startSec).toBeLessThanOrEqual(inside[0]!.start);
        expect(short.startSec).toBeGreaterThan(inside[0]!.start - 0.7);
        expect(short.endSec).toBeGreaterThanOrEqual(inside.at(-1)!.end - 0.1);
        expect(short.text.split(' ')).toEqual(inside.map((w) => w.word));
        expect(short.reason.length).toBeGreaterThan(5);
        expect(short.hook.length).toBeGreaterThan(5);
        expect(short.status).toBe('succeeded');
        expect(short.framing, 'a still picture keeps the centre').toBe('centre');

        const mp4 = path.join(workers.dataDir, `short-${short.index}.mp4`);
        const download = await app.request(short.video);
        expect(download.status).toBe(200);
        await writeFile(mp4, Buffer.from(await download.arrayBuffer()));
        const probe = await probeMedia(tools, mp4);
        const picture = probe.streams.find((s) => s.type === 'video')!;
        expect([picture.width, picture.height]).toEqual([1080, 1920]);
        expect(probe.streams.some((s) => s.type === 'audio')).toBe(true);
        expect(probe.durationSec).toBeCloseTo(short.endSec - short.startSec, 1);

        // The reframe is a centre crop: the middle (green) third fills the frame edge to edge.
        const frame = path.join(workers.dataDir, `frame-${short.index}.png`);
        await run('ffmpeg', ['-v', 'error', '-y', '-ss', '1', '-i', mp4, '-frames:v', '1', frame]);
        for (const x of [5, 540, 1074]) {
          const { data } = await sharp(frame).extract({ left: x, top: 400, width: 1, height: 1 }).raw().toBuffer({
            resolveWithObject: true,
          });
          expect(data[1]!, `pixel at x=${x} is green`).toBeGreaterThan(90);
          expect(Math.max(data[0]!, data[2]!), `pixel at x=${x} is neither red nor blue`).toBeLessThan(60);
        }

        const loudness = await measureLoudness(tools, mp4);
        expect(Math.abs(loudness.integratedLufs + 14)).toBeLessThan(1);

        // Captions are timed on the spoken words: each word's page starts when the word does.
        const ass = (await storage.read(`runs/${id}-short-${short.index}/captions.ass`)).toString('utf8');
        for (const w of inside) expect(ass).toContain(w.word);
        const firstCue = /Dialogue: \d+,(\d+):(\d+):(\d+\.\d+),/.exec(ass)!;
        const cueStart = Number(firstCue[1]) * 3600 + Number(firstCue[2]) * 60 + Number(firstCue[3]);
        expect(Math.abs(cueStart - (inside[0]!.start - short.startSec))).toBeLessThan(0.25);
      }
    },
  );

  it(
    'an LLM that answers no JSON, even when asked again: the offline picker picks the busiest talk, and says why',
    { timeout: 300_000 },
    async () => {
      llm.setFaults({ plan: 'plan-garbage' }, 'replace');
      try {
        const chatsBefore = chats();
        const res = await cutShorts(videoId, { count: 1, lengthSec: 12, captions: { style: 'karaoke' } });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as { id: string };
        await client.workflow.getHandle(id).result();
        expect(chats() - chatsBefore, 'the first answer and one repair round trip').toBe(2);
        const { result } = (await (await app.request(`/v1/highlights/${id}`)).json()) as {
          result: { picker: string; fallbackReason: string; shorts: PublicShort[] };
        };
        expect(result.picker).toBe('offline');
        expect(result.fallbackReason).toMatch(/did not pick usable moments/);
        expect(result.shorts).toHaveLength(1);
        const words = result.shorts[0]!.text.split(' ');
        expect(words).toEqual(said.filter((w) => BUSY_A.includes(w.start)).map((w) => w.word));
        // The hook is the title at the top for the first seconds; karaoke captions highlight each word.
        const ass = (await storage.read(`runs/${id}-short-1/captions.ass`)).toString('utf8');
        expect(ass).toMatch(/Dialogue: 1,0:00:00\.00,0:00:03\.00,Title,/);
        expect(ass).toContain('\\kf');
      } finally {
        llm.setFaults({}, 'replace');
      }
    },
  );

  it(
    'transcripts in Chinese, Korean and Russian: moments, captions and the hook in their own script and font',
    { timeout: 300_000 },
    async () => {
      const cases = [
        {
          language: 'zh',
          words: ['今天', '我们', '学习', '光合', '作用'],
          font: 'Noto Sans CJK SC',
          hook: '注意：',
          joined: '今天我们学习光合作用',
        },
        {
          language: 'ko',
          words: ['오늘은', '광합성을', '배웁니다'],
          font: 'Noto Sans CJK KR',
          hook: '잠깐만요:',
          joined: '오늘은 광합성을 배웁니다',
        },
        {
          language: 'ru',
          words: ['сегодня', 'мы', 'изучаем', 'фотосинтез'],
          font: 'Noto Sans',
          hook: 'Смотрите:',
          joined: 'сегодня мы изучаем фотосинтез',
        },
      ] as const;
      await Promise.all(
        cases.map(async ({ language, words, font, joined, hook }) => {
          // A transcript as the speech model would have written it, timed on the video's first busy stretch.
          const transcriptRef = `videos/${videoId}-${language}/transcript.json`;
          const timed = words.map((word, i) => ({ word, start: 20 + i * 2, end: 20.6 + i * 2 }));
          await storage.write(
            transcriptRef,
            JSON.stringify({
              language,
              durationSec: 120,
              segments: [{ start: 20, end: timed.at(-1)!.end, text: joined, words: timed }],
            }),
          );
          const id = `highlights-1x10s-${language}-${Date.now()}`;
          started.add(id);
          const result = await client.workflow.execute(videoHighlights, {
            taskQueue: workers.taskQueue,
            workflowId: id,
            args: [
              {
                videoId,
                transcriptRef,
                sourceRef: (await sourceRefOf(videoId))!,
                durationSec: 120,
                language,
                count: 1,
                lengthSec: 10,
                captionStyle: 'pages',
                width: 540,
                height: 960,
                fps: 24,
              },
            ],
          });
          expect(result.shorts.map((sh) => sh.status)).toEqual(['succeeded']);
          expect(result.shorts[0]!.text).toBe(joined);
          expect(result.shorts[0]!.hook.startsWith(hook)).toBe(true);
          const ass = (await storage.read(`runs/${id}-short-1/captions.ass`)).toString('utf8');
          expect(ass).toContain(`Style: Caption,${font},`);
          expect(ass).toContain(`Style: Title,${font},`);
          for (const w of words) expect(ass).toContain(w);
        }),
      );
    },
  );

  it(
    'a speaker off centre: the 9:16 window goes over what moves (framing "subject"), or stays centred when asked',
    { timeout: 300_000 },
    async () => {
      // Grey, with a white square bobbing on the left (around x = 40–70 of 320): a centre crop would miss it.
      const sourceRef = `uploads/${'a'.repeat(32)}/mover.mp4`;
      const words = await distinctWords();
      await mkdir(path.dirname(storage.localPath(sourceRef)), { recursive: true });
      const mover = await makeSpokenVideo(
        storage.localPath(sourceRef),
        30,
        [4, 6, 8, 10].map((at, i) => ({ word: words[i]!, at })),
        {
          picture:
            'color=c=gray:s=320x180:r=10:d=30[bg];color=c=white:s=30x30:r=10:d=30[fg];[bg][fg]overlay=x=40:y=75+50*sin(t*3)[out0]',
        },
      );
      const transcriptRef = `videos/mover-${Date.now()}/transcript.json`;
      const segments = mover.map((w) => ({ start: w.start, end: w.end, text: w.word, words: [{ ...w }] }));
      await storage.write(transcriptRef, JSON.stringify({ language: 'en', durationSec: 30, segments }));
      const make = async (reframe: 'auto' | 'centre') => {
        const id = `highlights-1x8s-${reframe}-${Date.now()}`;
        started.add(id);
        const result = await client.workflow.execute(videoHighlights, {
          taskQueue: workers.taskQueue,
          workflowId: id,
          args: [
            {
              videoId: 'video-transcribe-1min-mover',
              transcriptRef,
              sourceRef,
              durationSec: 30,
              language: 'en',
              count: 1,
              lengthSec: 8,
              captionStyle: 'none',
              width: 360,
              height: 640,
              fps: 24,
              reframe,
            },
          ],
        });
        const short = result.shorts[0]!;
        const frame = path.join(workers.dataDir, `${id}.png`);
        await run('ffmpeg', [
          '-v',
          'error',
          '-y',
          '-i',
          storage.localPath(short.videoRef!),
          '-vf',
          'select=eq(n\\,12)',
          '-frames:v',
          '1',
          frame,
        ]);
        const { data, info } = await sharp(frame).raw().toBuffer({ resolveWithObject: true });
        let white = 0;
        let xs = 0;
        for (let i = 0; i < data.length; i += info.channels) {
          if (data[i]! > 200 && data[i + 1]! > 200) {
            white += 1;
            xs += (i / info.channels) % info.width;
          }
        }
        return { framing: short.framing, white, centreX: white ? xs / white / info.width : undefined };
      };
      const auto = await make('auto');
      expect(auto.framing).toBe('subject');
      expect(auto.white, 'the square is in the picture').toBeGreaterThan(500);
      expect(Math.abs(auto.centreX! - 0.5), 'and in the middle of it').toBeLessThan(0.1);
      const centre = await make('centre');
      expect(centre.framing).toBe('centre');
      expect(centre.white, 'a centre crop misses it').toBe(0);
    },
  );

  it('bad requests get clear errors and start nothing', { timeout: 120_000 }, async () => {
    await expectError(await cutShorts(videoId, { count: 0 }), 400, 'invalid_request');
    await expectError(await cutShorts(videoId, { lengthSec: 600 }), 400, 'invalid_request');
    await expectError(await cutShorts(videoId, { colour: 'red' }), 400, 'invalid_request');
    await expectError(await cutShorts('video-transcribe-1min-nosuch', {}), 404, 'not_found');
    const direct = await app.request('/v1/highlights', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect((await expectError(direct, 405, 'method_not_allowed')).error.message).toContain('/v1/videos/:id/shorts');

    // A video still being transcribed, and one asked for its scenes, have no transcript to pick from.
    // The same file again, by the run that has it: nothing is uploaded twice.
    const scenes = await app.request('/v1/videos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: videoId, task: 'scenes' }),
    });
    expect(scenes.status).toBe(202);
    const scenesId = ((await scenes.json()) as { id: string }).id;
    started.add(scenesId);
    const early = await cutShorts(scenesId, {});
    if (early.status !== 409) throw new Error(`expected a 409, got ${early.status}: ${await early.text()}`);
    expect(['not_completed', 'no_transcript']).toContain(
      ((await early.json()) as { error: { code: string } }).error.code,
    );
    await client.workflow.getHandle(scenesId).result();
    await expectError(await cutShorts(scenesId, {}), 409, 'no_transcript');
    const from = (body: unknown) =>
      app.request('/v1/videos', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await expectError(await from({ from: 'video-transcribe-1min-nosuch' }), 404, 'not_found');
    await expectError(await from({ from: 'short-en-a-fox-k3j9x2' }), 400, 'invalid_request');
    await expectError(await from({ from: videoId, url: 'https://example.com/a.mp4' }), 400, 'invalid_request');
  });
});
