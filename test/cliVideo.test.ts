/**
 * The "done" check, as a person runs it: the real `reelflow make --visuals image-to-video`
 * process against the Replicate emulator and a real Temporal server. Its scenes are moving clips,
 * and the one scene whose clip the emulator refuses is a still, and the summary says so.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ReplicateEmulator, startReplicateEmulator } from '../src/emulators/replicate/index.js';
import { grayFrame, meanDifference, probe } from './support/media.js';
import { reelflow } from './support/cli.js';
import { testToken } from './support/replicate.js';
import { tempDataDir } from './support/temporal.js';

const TOKEN = testToken(1);
const STORY = 'A kite rose over the dunes. A silver fish leapt from the sea. The lighthouse blinked at dusk.';

let emulator: ReplicateEmulator;

beforeAll(async () => {
  emulator = await startReplicateEmulator({ tokens: [TOKEN], latencyByKind: { image: 0.3, video: 0.8 } });
  // Only scene 2's animation is refused (its prompt is the only one about the silver fish).
  emulator.setFaults({ rejectInputIncludes: 'silver fish', rejectModel: 'kwaivgi/kling-v2.1' });
});

afterAll(async () => {
  await emulator?.close();
});

describe('reelflow make --visuals image-to-video', () => {
  it(
    'makes a short of moving clips; the scene whose clip failed is a still, and the summary says so',
    { timeout: 180_000 },
    async () => {
      const dataDir = await tempDataDir();
      const out = `${dataDir}/out/moving.mp4`;
      const result = await reelflow(
        [
          'make',
          '--story',
          STORY,
          '--scenes',
          '3',
          '--aspect',
          '1:1',
          '--fps',
          '12',
          '--no-captions',
          '--transition',
          'cut',
          '--visuals',
          'image-to-video',
          '--out',
          out,
        ],
        {
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          REELFLOW_TASK_QUEUE: `cli-video-${randomUUID()}`,
          DATA_DIR: dataDir,
          RENDER_PRESET: 'ultrafast',
          REPLICATE_API_TOKEN: TOKEN,
          REPLICATE_BASE_URL: emulator.url,
          LOG_LEVEL: 'warn',
        },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('scenes      2 clips · 1 still');
      expect(result.stdout).toMatch(/scene 2 shows its still: the clip failed \(ReplicateInvalidInput: .*422/);
      expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);

      const info = await probe(out);
      expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ width: 1080, height: 1080 });
      // Scene 1 moves: two of its frames a second apart differ.
      const [a, b] = [await grayFrame(out, 0.2), await grayFrame(out, 1.2)];
      expect(meanDifference(a, b)).toBeGreaterThan(2);
    },
  );
});
