/**
 * `reelflow video transcribe` as a user runs it: a real CLI process uploading a file that speaks
 * known words, against a worker on its own queue and the Replicate emulator's WhisperX. The SRT
 * lands where -o says with the words at their times; a file that is not a video is refused.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { probeMedia } from '../src/media/ffmpeg.js';
import { REPO_ROOT } from '../src/temporal/cliPath.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { COLOURS, distinctWords, makeColourVideo, makeSpokenVideo } from './support/spokenVideo.js';
import { type RunningWorkers, startTestWorkers, tempDataDir } from './support/temporal.js';

const BIN = path.join(REPO_ROOT, 'bin/reelflow.js');
let pool: PoolFixture;
let workers: RunningWorkers;
let tmp: string;
let env: NodeJS.ProcessEnv;
/** The run the first test transcribed, which `video shorts` cuts. */
let transcribed: string | undefined;

beforeAll(async () => {
  pool = await startPoolFixture(2, 1, { latencySeconds: 0.5 });
  workers = await startTestWorkers({ replicate: pool.replicate });
  tmp = await tempDataDir();
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPLICATE_')));
  env = {
    ...base,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: workers.taskQueue,
    DATA_DIR: workers.dataDir,
    REPLICATE_BASE_URL: pool.emulator.url,
    REPLICATE_KEY_CONCURRENCY: '1',
    REPLICATE_API_TOKEN_1: pool.tokens[0]!,
    REPLICATE_API_TOKEN_2: pool.tokens[1]!,
  };
});

afterAll(async () => {
  await workers?.stop();
  await pool?.emulator.close();
});

function reelflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: tmp, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('reelflow video transcribe', () => {
  it(
    'uploads an hour-long file, shows chunk progress, and saves the merged SRT where -o says',
    { timeout: 180_000 },
    async () => {
      const words = await distinctWords();
      const input = path.join(tmp, 'talk.mp4');
      // An hour, in the default 20-minute chunks, with words just before both boundaries.
      await makeSpokenVideo(input, 3600, [
        { word: words[0]!, at: 30 },
        { word: words[3]!, at: 1198 },
        { word: words[5]!, at: 2398.5 },
        { word: words[7]!, at: 3590 },
      ]);
      const out = path.join(tmp, 'talk.srt');
      const res = await reelflow(['video', 'transcribe', input, '-o', out]);
      expect(res.code, res.stderr).toBe(0);
      transcribed = /Started (video-\S+)/.exec(res.stderr)?.[1];
      expect(res.stderr).toMatch(/\d\/3 chunks/);
      expect(res.stdout).toContain('3 chunks: 3 successful, 0 failed · 4 words, language en');
      const srt = await readFile(out, 'utf8');
      const cues = srt.trim().split('\n\n');
      expect(cues.map((c) => c.split('\n')[2])).toEqual([words[0], words[3], words[5], words[7]]);
      expect(cues[1]).toMatch(/^2\n00:19:5[78],\d{3} --> /);
      expect(cues[2]).toMatch(/^3\n00:39:5[89],\d{3} --> /);
      expect(cues[3]).toMatch(/^4\n00:59:(49,[5-9]|50,[0-4])\d\d --> /);
    },
  );

  it(
    '`video shorts` cuts the transcribed video into vertical MP4s (no LLM here: the offline picker)',
    { timeout: 180_000 },
    async () => {
      expect(transcribed, 'the first test transcribed a video').toBeDefined();
      const dir = path.join(tmp, 'shorts');
      const res = await reelflow([
        'video',
        'shorts',
        transcribed!,
        '--count',
        '2',
        '--length',
        '8',
        '-o',
        dir,
        '--json',
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/\d\/2 shorts/);
      const result = JSON.parse(res.stdout) as {
        picker: string;
        fallbackReason: string;
        shorts: { out: string; text: string; startSec: number }[];
      };
      expect(result.picker).toBe('offline');
      expect(result.fallbackReason).toMatch(/no LLM is configured/);
      expect(result.shorts.map((s) => s.out)).toEqual([1, 2].map((n) => expect.stringContaining(`-${n}.mp4`)));
      for (const short of result.shorts) {
        const { streams } = await probeMedia({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }, short.out);
        expect(streams.find((x) => x.type === 'video')).toMatchObject({ width: 1080, height: 1920 });
      }
      const missing = await reelflow(['video', 'shorts', 'video-transcribe-2min-nosuch']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/video-transcribe-2min-nosuch/);
    },
  );

  it(
    '`video scenes --describe` saves scenes.json and a still per scene, each described by its colour',
    { timeout: 180_000 },
    async () => {
      const input = path.join(tmp, 'colours.mp4');
      await makeColourVideo(input, COLOURS);
      const dir = path.join(tmp, 'scenes');
      const res = await reelflow(['video', 'scenes', input, '--describe', '--chunk-minutes', '2', '-o', dir, '--json']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/\d\/3 chunks/);
      const result = JSON.parse(res.stdout) as { summary: string; scenes: { still: string; description: string }[] };
      expect(result.summary).toBe('3 chunks: 3 successful, 0 failed; 5 of 5 scenes described');
      expect(result.scenes.map((sc) => sc.description.split(' ')[5]!.replace(',', ''))).toEqual(
        COLOURS.map((c) => c.name),
      );
      const list = JSON.parse(await readFile(path.join(dir, 'scenes.json'), 'utf8')) as { scenes: { still: string }[] };
      expect(list.scenes).toHaveLength(COLOURS.length);
      for (const sc of result.scenes) expect((await readFile(sc.still)).subarray(0, 2).toString('hex')).toBe('ffd8');
    },
  );

  it('refuses a file that is not a video, saying why, with no prediction', async () => {
    const before = pool.emulator.stats().totals.created;
    const fake = path.join(tmp, 'notes.mp4');
    await writeFile(fake, 'meeting notes, not a film');
    const res = await reelflow(['video', 'transcribe', fake]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not a video or audio file/);
    expect(pool.emulator.stats().totals.created).toBe(before);
    expect((await reelflow(['video', 'summarise', fake])).code).toBe(2);
  });
});
