/**
 * Long videos through models of the caller's choosing, on a real Temporal server, real ffmpeg and
 * the Replicate emulator: scenes described by a vision model (the emulator's LLaVA names the
 * colour it sees in each still), and a custom per-chunk model with an input mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { DEFAULT_DESCRIBE_MODEL, DEFAULT_TRANSCRIBE_MODEL, type LongVideoResult } from '../src/domain/longVideo.js';
import { longVideo } from '../src/workflows/longVideo.js';
import { type LongVideoHarness, startLongVideoHarness } from './support/longVideoHarness.js';
import { COLOURS, makeColourVideo } from './support/spokenVideo.js';
import { tempDataDir } from './support/temporal.js';

const LLAVA = 'yorickvp/llava-13b';

let h: LongVideoHarness;

beforeAll(async () => {
  const dir = await tempDataDir();
  await makeColourVideo(path.join(dir, 'colours.mp4'), COLOURS);
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

async function scenesRun(body: Record<string, unknown>) {
  const res = await h.startVideo({ url: `${h.base}/colours.mp4`, task: 'scenes', chunkMinutes: 2, ...body });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await h.client.workflow
    .getHandle(id)
    .result()
    .catch(() => undefined);
  const state = (await (await h.app.request(`/v1/videos/${id}`)).json()) as {
    status: string;
    error?: { type: string; message: string };
    result: { summary: string; scenes: SceneJson[]; files: { json: string }; costUsd?: number };
  };
  return { id, state };
}

describe('scene descriptions', () => {
  it('describe: each scene of the colour-block video described by its real colour, one prediction per scene, none on a second run', async () => {
    const before = h.createsOf(LLAVA);
    const { id, state } = await scenesRun({ describe: true });
    expect(state.status).toBe('completed');
    expect(state.result.summary).toBe('3 chunks: 3 successful, 0 failed; 5 of 5 scenes described');
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
