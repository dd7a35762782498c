/**
 * Long videos on a real Temporal server, real ffmpeg and the Replicate emulator's WhisperX: an
 * hour of generated video that says known words at known times, cut into 3 chunks at silences by
 * stream copy, each chunk transcribed on the key pool, merged into one timeline. The emulator hears
 * the words from the audio, so every time in the transcript is the audio's own.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transcript } from '../src/domain/transcript.js';
import { expectError } from './support/api.js';
import { type LongVideoHarness, startLongVideoHarness } from './support/longVideoHarness.js';
import { COLOURS, type SpokenWord, distinctWords, makeColourVideo, makeSpokenVideo } from './support/spokenVideo.js';
import { tempDataDir } from './support/temporal.js';

const KEYS = 3;
const SLOTS = 1;
const WHISPERX = 'victor-upmeet/whisperx';
let h: LongVideoHarness;
let said: SpokenWord[];

beforeAll(async () => {
  const dir = await tempDataDir();
  const words = await distinctWords();
  expect(words.length, 'enough words the emulator tells apart').toBeGreaterThanOrEqual(8);
  // A word every ~97 s, and two on each side of both nominal boundaries (20:00 and 40:00).
  const times = [...Array.from({ length: 37 }, (_, i) => 5 + i * 97.3), 1196.5, 1202.0, 2397.0, 2403.5].sort(
    (a, b) => a - b,
  );
  said = await makeSpokenVideo(
    path.join(dir, 'hour.mp4'),
    3600,
    times.map((at, i) => ({ word: words[i % words.length]!, at })),
  );
  await makeSpokenVideo(path.join(dir, 'silent-film.mp4'), 20, [], { audio: false });
  await makeSpokenVideo(
    path.join(dir, 'three-minutes.mp4'),
    180,
    [15, 75, 135].map((at, i) => ({ word: words[i]!, at })),
  );
  await makeColourVideo(path.join(dir, 'colours.mp4'), COLOURS);
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=d=5',
    '-c:a',
    'aac',
    path.join(dir, 'tone.m4a'),
  ]);
  h = await startLongVideoHarness(dir, { keys: KEYS, slots: SLOTS });
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

const startVideo = (body: unknown) => h.startVideo(body);
const whisperCreates = () => h.createsOf(WHISPERX);

describe('long videos', () => {
  it(
    'an hour in 3 chunks: every known word once, at its true time ± 0.5 s; SRT and VTT from the same timeline',
    { timeout: 300_000 },
    async () => {
      const before = whisperCreates();
      const res = await startVideo({ url: `${h.base}/hour.mp4`, chunkMinutes: 20 });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect(id).toMatch(/^video-transcribe-20min-/);
      await h.client.workflow.getHandle(id).result();

      const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
        status: string;
        result: {
          summary: string;
          chunks: { status: string; startSec: number; endSec: number }[];
          words: number;
          costUsd: number;
        };
      };
      expect(state.status).toBe('completed');
      expect(state.result.summary).toBe('3 chunks: 3 successful, 0 failed');
      const chunks = state.result.chunks;
      expect(chunks.map((c) => c.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      // Contiguous, covering the hour, each cut moved onto the silence near its nominal time.
      expect(chunks[0]!.startSec).toBe(0);
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.startSec).toBeCloseTo(chunks[i - 1]!.endSec, 1);
      expect(Math.abs(chunks[1]!.startSec - 1200)).toBeLessThan(60);
      expect(chunks[2]!.endSec).toBeGreaterThan(3599);
      // One prediction per chunk, never two keys' worth on one key.
      expect(whisperCreates() - before).toBe(3);
      // Each chunk's run time is billed on WhisperX's hardware (an L40S at $0.000975/s): the sum is the cost.
      const ours = h.fixture.emulator
        .stats()
        .creates.filter((c) => c.model === WHISPERX)
        .slice(before)
        .map((c) => h.fixture.emulator.prediction(c.predictionId) as { metrics?: { predict_time?: number } });
      const billed = ours.reduce((sum, p) => sum + Math.round(p.metrics!.predict_time! * 0.000975 * 1e6) / 1e6, 0);
      expect(state.result.costUsd).toBeCloseTo(billed, 6);
      expect(state.result.costUsd).toBeGreaterThan(0);
      for (const t of Object.values(h.fixture.emulator.stats().tokens))
        expect(t.peakInFlight).toBeLessThanOrEqual(SLOTS);

      const transcript = (await (await h.app.request(`/v1/videos/${id}/transcript.json`)).json()) as Transcript;
      const heard = transcript.segments.flatMap((s) => s.words);
      expect(heard).toHaveLength(said.length);
      expect(state.result.words).toBe(said.length);
      for (const word of said) {
        const matches = heard.filter((h) => h.word === word.word && Math.abs(h.start - word.start) <= 0.5);
        expect(matches, `"${word.word}" at ${word.start.toFixed(1)} s`).toHaveLength(1);
      }
      expect(transcript.language).toBe('en');

      const srt = await (await h.app.request(`/v1/videos/${id}/transcript.srt`)).text();
      expect(srt.split('\n\n').filter(Boolean)).toHaveLength(transcript.segments.length);
      expect(srt).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\n\w+/);
      const vtt = await (await h.app.request(`/v1/videos/${id}/transcript.vtt`)).text();
      expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
      expect(vtt).toContain(' --> 00:20:0');
    },
  );

  it('bad input gets a clear error and starts nothing', async () => {
    const before = whisperCreates();
    await expectError(await startVideo({ url: 'http://169.254.169.254/latest/video.mp4' }), 400, 'url_refused');
    await expectError(await startVideo({ url: 'file:///etc/passwd' }), 400, 'url_refused');
    await expectError(await startVideo({}), 400, 'invalid_request');
    await expectError(await startVideo({ url: `${h.base}/hour.mp4`, chunkMinutes: 0 }), 400, 'invalid_request');
    const upload = async (bytes: Buffer, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      return h.app.request('/v1/videos', { method: 'POST', body: form });
    };
    await expectError(await upload(Buffer.alloc(0), 'empty.mp4'), 400, 'invalid_video');
    await expectError(await upload(Buffer.from('just some text, not a film'), 'notes.mp4'), 400, 'invalid_video');
    expect(whisperCreates()).toBe(before);
  });

  it('a video without sound, scenes of a file without a picture and an unreachable URL fail with errors that say so, paying for nothing', async () => {
    const before = whisperCreates();
    const failureOf = async (body: unknown) => {
      const { state } = await h.runToEnd(body);
      expect(state.status).toBe('failed');
      return state.error!;
    };
    const silent = await failureOf({ url: `${h.base}/silent-film.mp4` });
    expect(silent.type).toBe('InvalidInput');
    expect(silent.message).toMatch(/no audio track/);
    const blind = await failureOf({ url: `${h.base}/tone.m4a`, task: 'scenes' });
    expect(blind.type).toBe('InvalidInput');
    expect(blind.message).toMatch(/no picture/);
    const gone = await failureOf({ url: 'http://127.0.0.1:9/gone.mp4' });
    expect(gone.type).toBe('SourceUnavailable');
    expect(gone.message).toMatch(/could not be fetched/);
    expect(whisperCreates()).toBe(before);
  }, 120_000);

  it('a chunk that fails with E6716 is retried alone; one that fails for good fails a strict video, naming it', async () => {
    const before = whisperCreates();
    h.fixture.emulator.setFaults({ transientFailFirstN: 1 });
    try {
      const res = await startVideo({ url: `${h.base}/three-minutes.mp4`, chunkMinutes: 1 });
      const { id } = (await res.json()) as { id: string };
      const result = (await h.client.workflow.getHandle(id).result()) as { summary: string; words: number };
      expect(result.summary).toBe('3 chunks: 3 successful, 0 failed');
      expect(result.words).toBe(3);
      // Three chunks, one of them predicted twice (its E6716), the others once.
      expect(whisperCreates() - before).toBe(4);
    } finally {
      h.fixture.emulator.setFaults({}, 'replace');
    }

    h.fixture.emulator.setFaults({ modelErrorModels: [WHISPERX] });
    try {
      const res = await startVideo({ url: `${h.base}/three-minutes.mp4`, chunkMinutes: 1, strict: true });
      const { id } = (await res.json()) as { id: string };
      await h.client.workflow
        .getHandle(id)
        .result()
        .catch(() => undefined);
      const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
        status: string;
        error: { type: string; message: string };
        progress: { chunks: { status: string; error?: string }[] };
      };
      expect(state.status).toBe('failed');
      expect(state.error.type).toBe('ChunkFailed');
      expect(state.error.message).toMatch(/^3 chunks: 0 successful, 3 failed; chunk \d failed: /);
      expect(state.progress.chunks.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    } finally {
      h.fixture.emulator.setFaults({}, 'replace');
    }
  }, 120_000);

  it('scenes: every colour change found at its time ± 0.5 s across 3 chunks, a still of each, nothing predicted', async () => {
    const before = h.fixture.emulator.stats().totals.created;
    const res = await startVideo({ url: `${h.base}/colours.mp4`, task: 'scenes', chunkMinutes: 2 });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^video-scenes-2min-/);
    await h.client.workflow.getHandle(id).result();
    const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
      result: {
        summary: string;
        scenes: { startSec: number; endSec: number; still: string }[];
        files: { json: string };
      };
    };
    expect(state.result.summary).toBe('3 chunks: 3 successful, 0 failed');
    const starts = state.result.scenes.map((sc) => sc.startSec);
    const truth = [0, 50, 130, 250, 290];
    expect(starts).toHaveLength(truth.length);
    starts.forEach((t, i) => expect(Math.abs(t - truth[i]!), `scene ${i} at ${t}`).toBeLessThanOrEqual(0.5));
    expect(state.result.scenes.at(-1)!.endSec).toBeCloseTo(360, 0);
    for (const [i, scene] of state.result.scenes.entries()) {
      const still = await h.app.request(scene.still);
      expect(still.headers.get('content-type')).toBe('image/jpeg');
      const { channels } = await sharp(Buffer.from(await still.arrayBuffer())).stats();
      const want = COLOURS[i]!.colour.match(/[0-9a-f]{2}/g)!.map((h) => parseInt(h, 16));
      channels.slice(0, 3).forEach((c, k) => expect(Math.abs(c.mean - want[k]!), `still ${i}`).toBeLessThan(24));
    }
    const list = (await (await h.app.request(state.result.files.json)).json()) as { scenes: unknown[] };
    expect(list.scenes).toHaveLength(truth.length);
    await expectError(await h.app.request(`/v1/videos/${id}/transcript.srt`), 404, 'not_found');
    expect(h.fixture.emulator.stats().totals.created).toBe(before);
  }, 120_000);
});
