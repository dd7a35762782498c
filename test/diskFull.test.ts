/**
 * A real full disk: a small tmpfs (this runs as root, here and in CI) holds DATA_DIR and is filled
 * to the brim before the real activity runs. Every asset kind must then fail as StorageFull with
 * "no space left on device", and nothing may be committed under its final key.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPipelineActivities } from '../src/activities/index.js';
import { downloadWhileHeartbeating } from '../src/activities/replicate.js';
import { verifyNarration } from '../src/media/verify.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import type { NarrationProvider } from '../src/providers/types.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { prepareRender } from './support/renderFixture.js';
import { offlineDeps, tools } from './support/temporal.js';

const exec = promisify(execFile);
const STORY =
  'The fox woke up early and ran all the way down to the river. The water was cold, so it slept in the sun.';

let mountPoint: string;
let dataDir: string;
let storage: LocalStorage;
let run: ReturnType<typeof typedRunner>;

beforeAll(async () => {
  mountPoint = await mkdtemp(path.join(os.tmpdir(), 'reelflow-fulldisk-'));
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mountPoint]);
  } catch (err) {
    throw new Error(
      `The full-disk tests mount a 32 MiB tmpfs at ${mountPoint} and could not: ${(err as Error).message.trim()}. ` +
        'They need root (as in CI) and are never skipped.',
    );
  }
});

afterAll(async () => {
  await exec('umount', [mountPoint]).catch(() => {});
  await rm(mountPoint, { recursive: true, force: true });
});

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(mountPoint, 'data-'));
  storage = new LocalStorage(dataDir);
  run = typedRunner(new MockActivityEnvironment());
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(mountPoint, 'filler'), { force: true });
});

/** Fills the tmpfs until only `bytes` are free. */
async function fillLeaving(bytes: number): Promise<void> {
  const fs = await statfs(mountPoint);
  await writeFile(path.join(mountPoint, 'filler'), Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - bytes)));
}

/** The activity failed as StorageFull, said so, and left neither the asset nor a temp file of it. */
async function expectStorageFull(attempt: Promise<unknown>, key: string): Promise<ApplicationFailure> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'StorageFull', nonRetryable: false });
  expect((error as Error).message).toMatch(/no space left on device/);
  expect(await storage.exists(key)).toBe(false);
  const left = await readdir(path.dirname(storage.localPath(key))).catch(() => []);
  expect(left.filter((name) => name.includes('.partial-'))).toEqual([]);
  return error as ApplicationFailure;
}

async function planned(activities: ReturnType<typeof createPipelineActivities>, sceneCount = 1) {
  return run(activities.planScenes, { runKey: 'full', story: STORY, sceneCount, style: 'watercolour' });
}

describe('fault: a full disk', () => {
  it('narration (espeak-ng): fails as StorageFull and commits nothing', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await planned(activities);
    await fillLeaving(16 * 1024);
    const input = { runKey: 'full', planRef: plan.planRef, sceneIndex: 0, language: 'en' as const };
    await expectStorageFull(run(activities.synthesizeNarration, input), 'runs/full/scene-01/narration.wav');
  });

  it('narration from a tool that exits 0 with a cut-off WAV (espeak-ng -w): StorageFull, not a short clip', async () => {
    let exitedZero = false;
    const espeak = createEspeakProvider({ espeakPath: tools.espeak });
    // The provider as it used to be: espeak-ng writes the file itself and exits 0 on a full disk.
    const writesItself: NarrationProvider = {
      ...espeak,
      async synthesize({ text, voice, outPath }) {
        await exec(tools.espeak, ['-v', voice, '-s', '160', '-w', outPath, text]);
        exitedZero = true;
      },
    };
    const activities = createPipelineActivities(offlineDeps(dataDir, { narrationProvider: writesItself }));
    const plan = await planned(activities);
    await fillLeaving(16 * 1024);
    const input = { runKey: 'full', planRef: plan.planRef, sceneIndex: 0, language: 'en' as const };
    const error = await expectStorageFull(
      run(activities.synthesizeNarration, input),
      'runs/full/scene-01/narration.wav',
    );
    expect(exitedZero).toBe(true);
    expect(error.message).toMatch(/came out incomplete/);
  });

  it('the cut-off WAV espeak-ng -w leaves on a full disk has a consistent header, and the verifier still refuses it', async () => {
    await fillLeaving(64 * 1024);
    const file = path.join(dataDir, 'cut.wav');
    await exec(tools.espeak, ['-v', 'en-us', '-s', '160', '-w', file, STORY]); // exits 0
    const wav = await readFile(file);
    expect(wav.length).toBeLessThanOrEqual(64 * 1024);
    expect(wav.readUInt32LE(4) + 8).toBe(wav.length); // RIFF size matches the cut-off file
    await expect(verifyNarration(tools, { text: STORY })(file)).rejects.toMatchObject({
      name: 'IncompleteAssetError',
      message: expect.stringMatching(/less than the .* s its text needs/),
    });
  });

  it('offline image: fails as StorageFull (not a bare Error) and commits nothing', async () => {
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const plan = await planned(activities);
    await fillLeaving(16 * 1024);
    const input = { runKey: 'full', planRef: plan.planRef, sceneIndex: 0, width: 540, height: 960 };
    await expectStorageFull(run(activities.generateSceneImage, input), 'runs/full/scene-01/image.png');
  });

  it('render: ffmpeg runs out of space; StorageFull, no short.mp4 and no partial file', async () => {
    const { render, input } = await prepareRender(run, offlineDeps(dataDir), {
      runKey: 'full',
      story: STORY,
      sceneCount: 2,
    });
    await fillLeaving(192 * 1024);
    const error = await expectStorageFull(run(render, input), 'runs/full/short.mp4');
    expect(error.message).toMatch(/\(ffmpeg failed: .*No space left on device\)/);
  });

  describe('Replicate download', () => {
    let server: Server;
    let url: string;
    let png: Buffer;

    beforeAll(async () => {
      const maker = new LocalStorage(await mkdtemp(path.join(os.tmpdir(), 'reelflow-png-')));
      const activities = createPipelineActivities(offlineDeps(maker.root));
      const plan = await run(activities.planScenes, { runKey: 'src', story: STORY, sceneCount: 1, style: 's' });
      const made = await run(activities.generateSceneImage, {
        runKey: 'src',
        planRef: plan.planRef,
        sceneIndex: 0,
        width: 540,
        height: 960,
      });
      png = await maker.read(made.imageRef);
      await rm(maker.root, { recursive: true, force: true });
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
        res.end(png);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/out/image.png`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fails as StorageFull and commits nothing', async () => {
      expect(png.length).toBeGreaterThan(64 * 1024);
      await fillLeaving(16 * 1024);
      const checkpoint = { predictionId: 'p1', keyIndex: 1, keyFingerprint: 'f' };
      const key = 'runs/full/scene-01/image.png';
      await expectStorageFull(run(downloadWhileHeartbeating, url, { storage, tools }, key, checkpoint), key);
    });
  });
});
