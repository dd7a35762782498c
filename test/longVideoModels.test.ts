/**
 * Long videos through models of the caller's choosing, on a real Temporal server, real ffmpeg and
 * the Replicate emulator: scenes described by a vision model (the emulator's LLaVA names the
 * colour it sees in each still), and a custom per-chunk model with an input mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { DEFAULT_DESCRIBE_MODEL, DEFAULT_TRANSCRIBE_MODEL, type LongVideoResult } from '../src/domain/longVideo.js';
import { longVideo } from '../src/workflows/longVideo.js';
import { expectError } from './support/api.js';
import { type LongVideoHarness, startLongVideoHarness } from './support/longVideoHarness.js';
import { MUSICGEN_VERSION } from '../src/emulators/replicate/builtinModels.js';
import { WHISPERX_VERSION } from '../src/emulators/replicate/builtinTranscribeModels.js';
import { COLOURS, type SpokenWord, distinctWords, makeColourVideo, makeSpokenVideo } from './support/spokenVideo.js';
import { tempDataDir } from './support/temporal.js';

const LLAVA = 'yorickvp/llava-13b';
const WHISPERX = 'victor-upmeet/whisperx';

let h: LongVideoHarness;
let said: SpokenWord[];

beforeAll(async () => {
  const dir = await tempDataDir();
  await makeColourVideo(path.join(dir, 'colours.mp4'), COLOURS);
  const words = await distinctWords();
  said = await makeSpokenVideo(
    path.join(dir, 'three-minutes.mp4'),
    180,
    [15, 75, 135].map((at, i) => ({ word: words[i]!, at })),
  );
  h = await startLongVideoHarness(dir, { keys: 2, slots: 2 });
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

interface SceneJson {
  index: number;
  startSec: number;
  description?: string;
  descriptionError?: string;
}

const scenesRun = (body: Record<string, unknown>) =>
  h.runToEnd<{
    status: string;
    error?: { type: string; message: string };
    result: { summary: string; scenes: SceneJson[]; files: { json: string }; costUsd?: number };
  }>({ url: `${h.base}/colours.mp4`, task: 'scenes', chunkMinutes: 2, ...body });

describe('scene descriptions', () => {
  it('describe: each scene of the colour-block video described by its real colour, one prediction per scene, none on a second run', async () => {
    const before = h.createsOf(LLAVA);
    const { id, state } = await scenesRun({ describe: true });
    expect(state.status).toBe('completed');
    expect(state.result.summary).toBe('3 chunks: 3 successful, 0 failed; 5 of 5 scenes described');
    // LLaVA is billed by its run time (an A40 Large): five descriptions cost something, and say so.
    expect(state.result.costUsd).toBeGreaterThan(0);
    const scenes = state.result.scenes;
    expect(scenes).toHaveLength(COLOURS.length);
    scenes.forEach((sc, i) =>
      expect(sc.description, `scene ${i}`).toMatch(new RegExp(`^A frame filled mostly with ${COLOURS[i]!.name}, `)),
    );
    expect(scenes.at(-1)!.description).toMatch(/, dark\.$/);
    expect(h.createsOf(LLAVA) - before).toBe(COLOURS.length);
    const list = (await (await h.app.request(state.result.files.json)).json()) as { scenes: SceneJson[] };
    expect(list.scenes.map((sc) => sc.description)).toEqual(scenes.map((sc) => sc.description));

    // The same run again (same id, same storage): every description is kept, nothing is predicted.
    const again = await h.client.workflow.execute(longVideo, {
      workflowId: id,
      taskQueue: h.workers.taskQueue,
      args: [
        {
          url: `${h.base}/colours.mp4`,
          task: 'scenes',
          chunkMinutes: 2,
          strict: false,
          describe: true,
          describeModel: DEFAULT_DESCRIBE_MODEL,
          model: DEFAULT_TRANSCRIBE_MODEL,
        },
      ],
    });
    expect((again as LongVideoResult).scenes!.map((sc) => sc.description)).toEqual(scenes.map((sc) => sc.description));
    expect(h.createsOf(LLAVA) - before).toBe(COLOURS.length);
  }, 180_000);

  it('a still the model cannot describe keeps its scene without a description, or fails a strict video', async () => {
    h.fixture.emulator.setFaults({ modelErrorModels: [LLAVA] });
    try {
      const { state } = await scenesRun({ describe: true });
      expect(state.status).toBe('completed');
      expect(state.result.summary).toMatch(/; 0 of 5 scenes described$/);
      expect(state.result.scenes).toHaveLength(COLOURS.length);
      for (const sc of state.result.scenes) {
        expect(sc.description).toBeUndefined();
        expect(sc.descriptionError).toBeTruthy();
      }
      // scenes.json as served: each failure flagged, no storage key or message in it.
      const listText = await (await h.app.request(state.result.files.json)).text();
      expect(listText).not.toContain('videos/');
      const listed = (JSON.parse(listText) as { scenes: { still: string; descriptionFailed?: boolean }[] }).scenes;
      expect(listed.every((sc) => sc.descriptionFailed === true && /^stills\/\d{3}\.jpg$/.test(sc.still))).toBe(true);
      const strict = await scenesRun({ describe: true, strict: true });
      expect(strict.state.status).toBe('failed');
      expect(strict.state.error!.type).toBe('ChunkFailed');
      expect(strict.state.error!.message).toMatch(/^0 of 5 scenes described; scene \d could not be described: /);
    } finally {
      h.fixture.emulator.setFaults({}, 'replace');
    }
  }, 180_000);

  it('describe on another task is a 400 that starts nothing', async () => {
    const res = await h.startVideo({ url: `${h.base}/colours.mp4`, describe: true });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/describe.*belongs to the scenes task/);
  });
});

describe('a custom model per chunk', () => {
  const mapping = {
    model: `${WHISPERX}:${WHISPERX_VERSION}`,
    input: { audio_file: '{{chunk.url}}', language: '{{language}}', align_output: true },
    media: 'audio',
  };

  it("custom: WhisperX mapped by the caller, once per chunk; outputs.json has every chunk's output at its offset", async () => {
    const before = h.createsOf(WHISPERX);
    const res = await h.startVideo({
      url: `${h.base}/three-minutes.mp4`,
      task: 'custom',
      chunkMinutes: 1,
      language: 'en',
      custom: mapping,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^video-custom-1min-/);
    await h.client.workflow.getHandle(id).result();
    const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
      result: { summary: string; chunks: { startSec: number; endSec: number }[]; files: { json: string } };
    };
    expect(state.result.summary).toBe('3 chunks: 3 successful, 0 failed');
    expect(state.result.files.json).toBe(`/v1/videos/${id}/outputs.json`);
    const outputs = (await (await h.app.request(state.result.files.json)).json()) as {
      model: string;
      chunks: {
        index: number;
        startSec: number;
        endSec: number;
        output: { segments: { words: { word: string; start: number }[] }[] };
      }[];
    };
    expect(outputs.model).toBe(mapping.model);
    expect(outputs.chunks.map((c) => c.index)).toEqual([0, 1, 2]);
    outputs.chunks.forEach((c, i) => {
      expect(c.startSec).toBe(state.result.chunks[i]!.startSec);
      expect(c.endSec).toBe(state.result.chunks[i]!.endSec);
      // The model's own JSON, times from the chunk's start: at the offset, each word where it was said.
      const heard = c.output.segments.flatMap((sg) => sg.words);
      expect(heard.map((w) => w.word)).toEqual([said[i]!.word]);
      expect(Math.abs(c.startSec + heard[0]!.start - said[i]!.start), `chunk ${i}`).toBeLessThanOrEqual(0.5);
    });
    expect(h.createsOf(WHISPERX) - before).toBe(3);
    await expectError(await h.app.request(`/v1/videos/${id}/transcript.json`), 404, 'not_found');
  }, 180_000);

  it('custom in a multipart upload: the mapping as a JSON form field (and not JSON, a 400)', async () => {
    const bytes = await (await fetch(`${h.base}/three-minutes.mp4`)).arrayBuffer();
    const upload = (custom: string) => {
      const form = new FormData();
      form.set('file', new Blob([bytes], { type: 'video/mp4' }), 'three-minutes.mp4');
      form.set('task', 'custom');
      form.set('chunkMinutes', '1');
      form.set('custom', custom);
      return h.app.request('/v1/videos', { method: 'POST', body: form });
    };
    await expectError(await upload('{"model": '), 400, 'invalid_request');
    const res = await upload(JSON.stringify(mapping));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const result = (await h.client.workflow.getHandle(id).result()) as LongVideoResult;
    expect(result.summary).toBe('3 chunks: 3 successful, 0 failed');
  }, 180_000);

  it('custom with file outputs: a MusicGen WAV per chunk copied into storage and served, its cost summed', async () => {
    const res = await h.startVideo({
      url: `${h.base}/three-minutes.mp4`,
      task: 'custom',
      chunkMinutes: 1,
      custom: {
        model: `meta/musicgen:${MUSICGEN_VERSION}`,
        input: { prompt: 'a calm piano under a lecture', input_audio: '{{chunk.url}}', duration: 1 },
      },
    });
    const { id } = (await res.json()) as { id: string };
    const result = (await h.client.workflow.getHandle(id).result()) as LongVideoResult;
    expect(result.summary).toBe('3 chunks: 3 successful, 0 failed');
    expect(result.costUsd).toBeGreaterThan(0);
    const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
      result: { files: { json: string; outputs: string[] }; costUsd: number };
    };
    expect(state.result.costUsd).toBe(result.costUsd);
    expect(state.result.files.outputs).toEqual([0, 1, 2].map((i) => `/v1/videos/${id}/outputs/00${i}-0.wav`));
    const outputs = (await (await h.app.request(state.result.files.json)).json()) as { chunks: { output: unknown }[] };
    expect(outputs.chunks.map((c) => c.output)).toEqual([0, 1, 2].map((i) => [`outputs/00${i}-0.wav`]));
    for (const url of state.result.files.outputs) {
      const file = await h.app.request(url);
      expect(file.headers.get('content-type')).toBe('audio/wav');
      expect(
        Buffer.from(await file.arrayBuffer())
          .subarray(0, 4)
          .toString('latin1'),
      ).toBe('RIFF');
    }
  }, 180_000);

  it('custom with media "video": the picture is cut into chunks (a silent video, so no audio chunk could be), one prediction each', async () => {
    const before = h.createsOf('meta/musicgen');
    const res = await h.startVideo({
      url: `${h.base}/colours.mp4`,
      task: 'custom',
      chunkMinutes: 2,
      custom: {
        model: `meta/musicgen:${MUSICGEN_VERSION}`,
        input: { prompt: 'a score for this reel', input_audio: '{{chunk.url}}', duration: 1 },
        media: 'video',
      },
    });
    const { id } = (await res.json()) as { id: string };
    const result = (await h.client.workflow.getHandle(id).result()) as LongVideoResult;
    expect(result.summary).toBe('3 chunks: 3 successful, 0 failed');
    expect(result.chunks.at(-1)!.endSec).toBeCloseTo(360, 0);
    expect(h.createsOf('meta/musicgen') - before).toBe(3);
  }, 180_000);

  it('a bad mapping is a 400 that says what is wrong and starts nothing', async () => {
    const before = h.fixture.emulator.stats().totals.created;
    const bad = async (custom: unknown, want: RegExp, extra: Record<string, unknown> = {}) => {
      const res = await h.startVideo({ url: `${h.base}/three-minutes.mp4`, task: 'custom', custom, ...extra });
      const body = await expectError(res, 400, 'invalid_request');
      expect(body.error.message).toMatch(want);
    };
    await bad({ ...mapping, input: { audio_file: 'https://example.com/a.mp3' } }, /"\{\{chunk\.url\}\}"/);
    await bad(
      { ...mapping, input: { audio_file: '{{chunk.url}}', prompt: '{{chunk.duration}}' } },
      /custom\.input\.prompt.*"\{\{chunk\.duration\}\}" is not a placeholder/,
    );
    await bad({ ...mapping, input: { audio_file: 'take {{chunk.url}}' } }, /is not a placeholder/);
    await bad({ ...mapping, model: 'whisperx' }, /owner\/name/);
    await bad({ ...mapping, media: 'text' }, /media/);
    await bad(undefined, /the custom task needs "custom"/);
    const res = await h.startVideo({ url: `${h.base}/three-minutes.mp4`, custom: mapping });
    await expectError(res, 400, 'invalid_request');
    expect(h.fixture.emulator.stats().totals.created).toBe(before);
  });
});
