import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderShortInput } from '../src/activities/render.js';
import { buildTimeline } from '../src/domain/timeline.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { type PlaceholderClip, RAMP_FROM, RAMP_TO, makePlaceholderClip } from '../src/media/render/placeholderClip.js';
import { timestampFaults, videoPacketTimes } from '../src/media/render/probe.js';
import { buildRenderCommand } from '../src/media/renderGraph.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { grayFrame, meanDifference, probe } from './support/media.js';
import { prepareRender } from './support/renderFixture.js';
import { offlineDeps, tempDataDir, tools } from './support/temporal.js';

const STORY =
  'The fox woke up before the sun and ran down to the river. It found an old boat tied to a tree. ' +
  'The water carried the boat past the mill and the bridge. At noon the fox reached the sea. It slept in the warm sand.';
const FPS = 30;
const execute = promisify(execFile);

let storage: LocalStorage;
let fixture: Awaited<ReturnType<typeof prepareRender>>;
let run: ReturnType<typeof typedRunner>;

beforeAll(async () => {
  const dataDir = await tempDataDir();
  storage = new LocalStorage(dataDir);
  run = typedRunner(new MockActivityEnvironment());
  fixture = await prepareRender(run, offlineDeps(dataDir), { runKey: 'clips', story: STORY, sceneCount: 5 });
});

async function storeClip(name: string, clip: PlaceholderClip): Promise<string> {
  const ref = `runs/clips/clips/${name}.mp4`;
  await mkdir(path.dirname(storage.localPath(ref)), { recursive: true });
  await makePlaceholderClip(tools, storage.localPath(ref), { ...clip, audio: true });
  return ref;
}

/** Silence the timeline's length: any sound in the video must then have come from a clip. */
async function silentSoundtrack(runKey: string, seconds: number): Promise<string> {
  const ref = `runs/${runKey}/soundtrack.wav`;
  await mkdir(path.dirname(storage.localPath(ref)), { recursive: true });
  await runFfmpeg(tools, {
    inputs: [{ path: 'anullsrc=r=48000:cl=stereo', options: ['-f', 'lavfi'] }],
    outputOptions: ['-t', seconds.toFixed(3), '-c:a', 'pcm_s16le'],
    output: storage.localPath(ref),
  });
  return ref;
}

/** A one-scene short (no transitions, no captions) of the fixture's first scene, showing `clipRef`. */
async function oneClipShort(runKey: string, clipRef: string, fit: 'hold' | 'loop' | 'slow'): Promise<RenderShortInput> {
  const timeline = buildTimeline([fixture.input.timeline.scenes[0]!.narrationDurationSec], 0.5, FPS);
  return {
    ...fixture.input,
    runKey,
    captions: false,
    timeline,
    scenes: [{ ...fixture.input.scenes[0]!, clipRef, fit }],
    soundtrackRef: await silentSoundtrack(runKey, timeline.totalSec),
  };
}

async function maxVolumeDb(file: string): Promise<number> {
  const { stderr } = await execute('ffmpeg', [
    '-hide_banner',
    '-i',
    file,
    '-map',
    '0:a',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  return Number(/max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1] ?? NaN);
}

/** Grey frames come out in full range: the clip's limited-range luma steps are ×255/219 there. */
const LUMA_SCALE = 255 / 219;
const mean = (frame: Buffer) => frame.reduce((sum, v) => sum + v, 0) / frame.length;
/** Frame `n` of a video, from the middle of its time slot so that no rounding picks its neighbour. */
const frameAt = (file: string, n: number, width = 270) => grayFrame(file, (n + 0.5) / FPS, width);

/** Light–dark edges along the middle row of a frame `width` px wide. */
function stripeEdges(frame: Buffer, width: number): number {
  const row = frame.subarray(
    Math.floor(frame.length / width / 2) * width,
    Math.floor(frame.length / width / 2 + 1) * width,
  );
  const middle = mean(row);
  let edges = 0;
  for (let x = 1; x < row.length; x++) if (row[x - 1]! < middle !== row[x]! < middle) edges++;
  return edges;
}

describe('the one-pass command', () => {
  const spec = (n: number, fps: number, type: 'crossfade' | 'wipeleft' | 'cut', dur: number) => {
    const timeline = buildTimeline(
      Array.from({ length: n }, (_, i) => 2.1 + i * 0.9),
      dur,
      fps,
    );
    return {
      fps,
      transition: { type, duration: dur },
      totalSec: timeline.totalSec,
      scenes: timeline.scenes.map((timing, i) => ({ imagePath: `i${i}.png`, narrationPath: `n${i}.wav`, timing })),
    };
  };
  const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

  it('stays byte for byte what it was for an all-stills short (in-flight runs render with it)', () => {
    // Hashes of the commands built before clips existed (commit 5fd5d55), for the same specs.
    const cases = [
      [
        {
          ...spec(5, 30, 'crossfade', 0.5),
          width: 1080,
          height: 1920,
          preset: 'veryfast',
          captionsFile: 'c.ass',
          soundtrackPath: 's.wav',
        },
        '925978732828b8d8c0e8a50ab0c55341cb109a67653289bb58346041202e43f0',
      ],
      [
        { ...spec(3, 24, 'wipeleft', 0.75), width: 1920, height: 1080, preset: 'ultrafast' },
        'd4930727030e9c0c09e2d9776fdf8b6b70428d605eab76ce63d8cb7173b6c098',
      ],
      [
        {
          ...spec(4, 60, 'cut', 0),
          width: 1080,
          height: 1080,
          preset: 'veryfast',
          captionsFile: 'c.ass',
          soundtrackPath: 's.wav',
        },
        '9d74d226e9dd8b56d59c92fa3e737cfe8836209e4cdf8a0265825c436b9efa2d',
      ],
      [
        { ...spec(1, 30, 'crossfade', 0.5), width: 540, height: 960, preset: 'veryfast', captionsFile: 'c.ass' },
        '57b30332e9242ebac54a7ac80adadd81158eb5f7618f9e3f6494e5662d6de7cf',
      ],
    ] as const;
    for (const [s, hash] of cases) expect(sha(buildRenderCommand(s))).toBe(hash);
  });

  it('puts every frame on the grid when asked, or when a clip is in it; a clip is read without its audio', () => {
    const base = {
      ...spec(3, 30, 'crossfade', 0.5),
      width: 540,
      height: 960,
      preset: 'ultrafast',
      soundtrackPath: 's.wav',
    };
    expect(buildRenderCommand(base).filterGraph).not.toContain('format=yuv420p,setpts=N');
    const exact = buildRenderCommand({ ...base, exactFrames: true }).filterGraph;
    expect(exact.match(/xfade=[^;]*,format=yuv420p,setpts=N\[fade\d\]/g)).toHaveLength(2);
    const clip = { path: 'c.mp4', fit: 'loop' as const, durationSec: 1 };
    const withClip = buildRenderCommand({ ...base, scenes: base.scenes.map((s, i) => (i === 1 ? { ...s, clip } : s)) });
    expect(withClip.inputs[1]).toEqual({ path: 'c.mp4', options: ['-stream_loop', '-1', '-an', '-sn', '-dn'] });
    expect(withClip.filterGraph.match(/,setpts=N\[fade\d\]/g)).toHaveLength(2);
    expect(withClip.outputOptions.join(' ')).toContain('-map [vout] -map 3:a');
  });
});

describe('renderShort with clips', () => {
  it('hold: cover-fits a 4:3 24 fps clip into 9:16 at 30 fps, drops its audio, and holds its last frame, zooming', async () => {
    const clipRef = await storeClip('hold', { width: 320, height: 240, fps: 24, seconds: 1.5, pattern: 'ramp' });
    const input = await oneClipShort('hold', clipRef, 'hold');
    const video = await run(fixture.render, input);
    const frames = Math.round(input.timeline.totalSec * FPS);
    expect(video).toMatchObject({ width: 540, height: 960, fps: 30 });
    const times = await videoPacketTimes(tools, video.videoPath);
    expect(times.pts).toHaveLength(frames);
    expect(timestampFaults(times, FPS)).toEqual([]);
    expect((await probe(video.videoPath)).streams.filter((s) => s.type === 'audio')).toHaveLength(1);
    expect(await maxVolumeDb(video.videoPath)).toBeLessThan(-60);

    // Cover-fit: the clip is scaled ×4 (to the height) and cropped, so its 16 px stripes stand 64 px
    // wide, ~8 edges across 540 px (stretched to the width they would stand 27 px: ~20 edges).
    expect(stripeEdges(await frameAt(video.videoPath, 10, 540), 540)).toBeGreaterThanOrEqual(7);
    expect(stripeEdges(await frameAt(video.videoPath, 10, 540), 540)).toBeLessThanOrEqual(10);

    // 1.5 s at 30 fps: 45 frames of the clip, rising in brightness, then its last frame held.
    const clipPart = [await frameAt(video.videoPath, 2), await frameAt(video.videoPath, 43)];
    expect(mean(clipPart[1]!) - mean(clipPart[0]!)).toBeGreaterThan(
      0.9 * LUMA_SCALE * (RAMP_TO - RAMP_FROM) * (41 / 45),
    );
    const held = await Promise.all([46, 47, frames - 4, frames - 3].map((n) => frameAt(video.videoPath, n)));
    for (const f of held) expect(Math.abs(mean(f) - mean(held[0]!))).toBeLessThan(3);
    // Not frozen: the slow zoom moves the stripes; neighbours barely differ, the ends of the hold do.
    const span = meanDifference(held[0]!, held[3]!);
    expect(span).toBeGreaterThan(4 * meanDifference(held[2]!, held[3]!));
    expect(span).toBeGreaterThan(1);
  });

  it('loop: a 1 s 60 fps clip repeats every 30 frames until its scene ends', async () => {
    const clipRef = await storeClip('loop', { width: 400, height: 300, fps: 60, seconds: 1, pattern: 'ramp' });
    const input = await oneClipShort('loop', clipRef, 'loop');
    const video = await run(fixture.render, input);
    const frames = Math.round(input.timeline.totalSec * FPS);
    expect((await videoPacketTimes(tools, video.videoPath)).pts).toHaveLength(frames);
    const lastLoop = 5 + 30 * Math.floor((frames - 10) / 30);
    const at = await Promise.all([5, 20, 35, 65, lastLoop].map((n) => frameAt(video.videoPath, n)));
    // Frames one loop apart are the same picture; half a loop apart, half the ramp apart.
    expect(meanDifference(at[0]!, at[2]!)).toBeLessThan(2);
    expect(meanDifference(at[0]!, at[3]!)).toBeLessThan(2);
    expect(meanDifference(at[0]!, at[4]!)).toBeLessThan(2);
    expect(mean(at[1]!) - mean(at[0]!)).toBeGreaterThan(0.35 * (RAMP_TO - RAMP_FROM));
  });

  it('slow: a clip a little short plays slower to fill its scene; one far too short plays at half speed, then holds', async () => {
    const natural = await storeClip('slow', { width: 320, height: 240, fps: 25, seconds: 2.4, pattern: 'ramp' });
    const tooShort = await storeClip('slow-short', { width: 320, height: 240, fps: 25, seconds: 1, pattern: 'ramp' });
    // Brightness rise per frame: the ramp's rate at the clip's own speed is (190 − 40) / (seconds × 30).
    const risePerFrame = async (file: string, from: number, to: number) =>
      (mean(await frameAt(file, to)) - mean(await frameAt(file, from))) / (to - from);

    const input = await oneClipShort('slow', natural, 'slow');
    const frames = Math.round(input.timeline.totalSec * FPS);
    expect(frames).toBeGreaterThan(2.4 * FPS * 1.2); // the scene is longer than the clip: it must slow
    const video = await run(fixture.render, input);
    expect((await videoPacketTimes(tools, video.videoPath)).pts).toHaveLength(frames);
    const ownSpeed = (RAMP_TO - RAMP_FROM) / (2.4 * FPS);
    const slowed = await risePerFrame(video.videoPath, 3, frames - 4);
    const stretch = frames / (2.4 * FPS);
    expect(slowed * stretch).toBeGreaterThan(ownSpeed * LUMA_SCALE * 0.92);
    expect(slowed * stretch).toBeLessThan(ownSpeed * LUMA_SCALE * 1.08);

    const shortInput = await oneClipShort('slow-short', tooShort, 'slow');
    const shortVideo = await run(fixture.render, shortInput);
    const halfSpeed = await risePerFrame(shortVideo.videoPath, 3, 56);
    const ownShortSpeed = (RAMP_TO - RAMP_FROM) / FPS;
    expect(halfSpeed * 2).toBeGreaterThan(ownShortSpeed * LUMA_SCALE * 0.92);
    expect(halfSpeed * 2).toBeLessThan(ownShortSpeed * LUMA_SCALE * 1.08);
    // After 2 × 30 frames the last frame is held: the brightness stops rising.
    const shortFrames = Math.round(shortInput.timeline.totalSec * FPS);
    expect(Math.abs(await risePerFrame(shortVideo.videoPath, 62, shortFrames - 2))).toBeLessThan(0.05);
  });

  it('a mixed short of 3 clips and 2 stills with cross-fades: the timeline length, every frame in place, no clip sound', async () => {
    const clips = [
      await storeClip('mixed-0', { width: 720, height: 1280, fps: 24, seconds: 1.8, pattern: 'gradients' }),
      await storeClip('mixed-2', { width: 1280, height: 720, fps: 60, seconds: 1.2, pattern: 'ramp' }),
      await storeClip('mixed-4', { width: 480, height: 480, fps: 25, seconds: 9, pattern: 'gradients' }),
    ];
    const fits = ['hold', 'loop', 'slow'] as const;
    const input: RenderShortInput = {
      ...fixture.input,
      runKey: 'mixed',
      scenes: fixture.input.scenes.map((s, i) =>
        i % 2 === 0 ? { ...s, clipRef: clips[i / 2]!, fit: fits[i / 2]! } : s,
      ),
      soundtrackRef: await silentSoundtrack('mixed', fixture.input.timeline.totalSec),
    };
    const video = await run(fixture.render, input);
    const { timeline } = input;
    const sceneFrames = timeline.scenes.reduce((sum, s) => sum + Math.round(s.durationSec * FPS), 0);
    const frames = sceneFrames - 4 * Math.round(0.5 * FPS);
    expect(frames).toBe(Math.round(timeline.totalSec * FPS));
    expect(video).toMatchObject({ width: 540, height: 960, fps: 30 });
    expect(Math.abs(video.durationSec - timeline.totalSec)).toBeLessThan(0.05);
    const times = await videoPacketTimes(tools, video.videoPath);
    expect(times.pts).toHaveLength(frames);
    expect(timestampFaults(times, FPS)).toEqual([]);
    expect(await maxVolumeDb(video.videoPath)).toBeLessThan(-60);
    // The ramp clip (16:9, cover-fitted ×1.33 to the height) shows in the middle of its scene.
    const middle = (i: number) =>
      Math.round((timeline.scenes[i]!.startSec + timeline.scenes[i]!.durationSec / 2) * FPS);
    expect(stripeEdges(await frameAt(video.videoPath, middle(2), 540), 540)).toBeGreaterThanOrEqual(10);
  });
});
