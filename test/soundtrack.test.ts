import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoundtrackActivities } from '../src/activities/soundtrack.js';
import type { Mood } from '../src/domain/plan.js';
import type { MusicRequest } from '../src/domain/shortRequest.js';
import { type Timeline, buildTimeline } from '../src/domain/timeline.js';
import { FLOAT_WAV_OUTPUT } from '../src/media/audio/format.js';
import { planSoundtrack } from '../src/media/audio/mix.js';
import { type SoundtrackSpec, buildSoundtrackGraph, DUCKING } from '../src/media/audio/soundtrackGraph.js';
import { readWavFormat } from '../src/media/audio/verifyAudio.js';
import { runFfmpeg } from '../src/media/ffmpeg.js';
import { createSafeFetcher } from '../src/net/safeFetch.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { prepareRender } from './support/renderFixture.js';
import { offlineDeps, tempDataDir, tools } from './support/temporal.js';

const exec = promisify(execFile);

const STORY =
  'The lighthouse keeper climbed the stairs at dusk. ' +
  'She lit the lamp and watched the ships come home through the fog. ' +
  'At dawn she slept, and the sea was quiet.';

let dataDir: string;
let storage: LocalStorage;
let run: ReturnType<typeof typedRunner>;
let fixture: Awaited<ReturnType<typeof prepareRender>>;
let narrationRefs: string[];
let narrationSeconds: number[];
let timeline: Timeline;
let server: http.Server;
let musicUrl: string;
let requests: string[] = [];

const generated: MusicRequest = { source: 'generated', volume: 0.3 };
const fetcher = createSafeFetcher({ allow: ['127.0.0.1'], maxBytes: 20 * 1024 * 1024, timeoutMs: 20_000 });
const activities = () => createSoundtrackActivities({ storage, tools, fetcher });

beforeAll(async () => {
  dataDir = await tempDataDir();
  storage = new LocalStorage(dataDir);
  run = typedRunner(new MockActivityEnvironment());
  // Three espeak-ng clips (and images, for the render) through the real activities.
  fixture = await prepareRender(run, offlineDeps(dataDir), { runKey: 'story', story: STORY, sceneCount: 3 });
  narrationRefs = fixture.input.scenes.map((s) => s.narrationRef);
  timeline = fixture.input.timeline;
  narrationSeconds = timeline.scenes.map((s) => s.narrationDurationSec);

  // A user's track: 4 s of an MP3 chord, served from an allow-listed local server.
  const track = path.join(dataDir, 'track.mp3');
  await exec('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    "aevalsrc='0.2*sin(2*PI*220*t)+0.2*sin(2*PI*277.2*t)+0.2*sin(2*PI*329.6*t)':s=44100:d=4",
    '-ac',
    '2',
    '-b:a',
    '128k',
    track,
  ]);
  const mp3 = await readFile(track);
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': mp3.length }).end(mp3);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  musicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/track.mp3`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

// ---------------------------------------------------------------------------------------------
// Measurements, made independently of the code under test

/** ffmpeg's own EBU R128 summary of a file's first audio stream. */
async function ebur128(file: string): Promise<{ integrated: number; truePeak: number }> {
  const { stderr } = await exec('ffmpeg', [
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'ebur128=peak=true',
    '-f',
    'null',
    '-',
  ]);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  return { integrated, truePeak };
}

/** The file's samples, both channels summed to mono, at 48 kHz. */
async function pcm(file: string): Promise<Float32Array> {
  const { stdout } = await exec('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4);
}

/** RMS level of [fromSec, toSec), dBFS. */
function rmsDb(samples: Float32Array, fromSec: number, toSec: number): number {
  const from = Math.round(fromSec * 48000);
  const to = Math.min(samples.length, Math.round(toSec * 48000));
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return 10 * Math.log10(sum / Math.max(1, to - from) + 1e-30);
}

/** Energy average of several windows' levels. */
function meanDb(levels: number[]): number {
  return 10 * Math.log10(levels.reduce((sum, db) => sum + 10 ** (db / 10), 0) / levels.length);
}

/** Renders one stem (or the mix) of `spec` through the same graph builder the activity uses. */
async function renderStem(spec: SoundtrackSpec, stem: SoundtrackSpec['stem'], name: string): Promise<Float32Array> {
  const graph = buildSoundtrackGraph({ ...spec, stem });
  const file = path.join(dataDir, `${name}.wav`);
  await runFfmpeg(tools, {
    inputs: graph.inputs,
    filterGraph: graph.filterGraph,
    outputOptions: ['-map', `[${graph.output}]`, ...FLOAT_WAV_OUTPUT, '-y'],
    output: file,
  });
  return pcm(file);
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

// ---------------------------------------------------------------------------------------------

describe('prepareMusic', () => {
  it('generates an offline ambient bed of exactly the asked length, labelled honestly, deterministic', async () => {
    const { prepareMusic } = activities();
    const input = { music: generated, moods: ['calm', 'sad', 'calm'] as Mood[], durationSec: timeline.totalSec };
    const bed = await run(prepareMusic, { runKey: 'bed-a', ...input });
    expect(bed).toEqual({
      musicRef: 'runs/bed-a/music.wav',
      source: 'generated',
      provider: 'generated-ambient',
      offline: true,
      durationSec: timeline.totalSec,
      mood: 'calm',
    });
    const file = storage.localPath(bed.musicRef!);
    expect(await readWavFormat(file)).toMatchObject({
      sampleRate: 48000,
      channels: 2,
      samples: Math.round(timeline.totalSec * 48000),
    });
    // Soft: well under full scale, and it never stops (a bed, not a test tone that ends).
    const loudness = await ebur128(file);
    expect(loudness.integrated).toBeLessThan(-16);
    expect(loudness.truePeak).toBeLessThan(-6);
    const samples = await pcm(file);
    for (let t = 1; t + 1 < timeline.totalSec; t += 1) expect(rmsDb(samples, t, t + 1)).toBeGreaterThan(-45);

    const again = await run(prepareMusic, { runKey: 'bed-b', ...input });
    expect(await sha256(storage.localPath(again.musicRef!))).toBe(await sha256(file));
  });

  it('a music URL is fetched through the safe fetcher, decoded to 48 kHz stereo and looped to length', async () => {
    requests = [];
    const { prepareMusic } = activities();
    const bed = await run(prepareMusic, {
      runKey: 'url-music',
      music: { source: 'url', url: musicUrl, volume: 0.3 },
      moods: ['calm'],
      durationSec: timeline.totalSec,
    });
    expect(bed).toMatchObject({ source: 'url', provider: 'url', offline: false, durationSec: timeline.totalSec });
    expect(requests).toEqual(['/track.mp3']);
    const file = storage.localPath(bed.musicRef!);
    expect(await readWavFormat(file)).toMatchObject({
      sampleRate: 48000,
      channels: 2,
      samples: Math.round(timeline.totalSec * 48000),
    });
    // The 4 s track plays again after its end: looped, not padded with silence.
    const samples = await pcm(file);
    expect(rmsDb(samples, timeline.totalSec - 2, timeline.totalSec)).toBeGreaterThan(-25);
    // Nothing of the download is left beside the bed.
    expect((await readdir(path.dirname(file))).sort()).toEqual(['music.wav']);
  });

  it('a blocked URL fails typed (InvalidInput, UrlRefused) and starts nothing', async () => {
    requests = [];
    const strict = createSoundtrackActivities({
      storage,
      tools,
      fetcher: createSafeFetcher({ maxBytes: 1024 * 1024, timeoutMs: 5_000 }),
    });
    const error = await run(strict.prepareMusic, {
      runKey: 'blocked',
      music: { source: 'url', url: musicUrl, volume: 0.3 },
      moods: ['calm'],
      durationSec: 10,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'music.url refused: 127.0.0.1 is a loopback address; set FETCH_ALLOW to permit it',
      details: [{ reason: 'UrlRefused', address: '127.0.0.1' }],
    });
    expect(requests).toEqual([]);
    // Not even the run's directory was made.
    await expect(stat(path.join(dataDir, 'runs/blocked'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('none gives no bed; replicate is the key pool activity, typed and not retried here', async () => {
    const { prepareMusic } = activities();
    const base = { runKey: 'other', moods: [], durationSec: 10 };
    await expect(run(prepareMusic, { ...base, music: { source: 'none', volume: 0.3 } })).resolves.toEqual({});
    await expect(
      run(prepareMusic, { ...base, music: { source: 'replicate', prompt: 'soft piano', volume: 0.3 } }),
    ).rejects.toMatchObject({
      type: 'MusicFailed',
      nonRetryable: true,
      message: 'replicate music runs through the key pool activity generateMusicOnReplicate',
    });
  });
});

describe('mixSoundtrack', () => {
  it('3 espeak clips with the generated bed: −14 ± 1 LUFS, true peak ≤ −1 dBTP, exactly the timeline long', async () => {
    const { prepareMusic, mixSoundtrack } = activities();
    const bed = await run(prepareMusic, {
      runKey: 'mix',
      music: generated,
      moods: ['calm'],
      durationSec: timeline.totalSec,
    });
    const mixed = await run(mixSoundtrack, {
      runKey: 'mix',
      timeline,
      narrationRefs,
      musicRef: bed.musicRef,
      musicVolume: 0.3,
    });
    expect(mixed).toMatchObject({ soundtrackRef: 'runs/mix/soundtrack.wav', durationSec: timeline.totalSec });
    const file = storage.localPath(mixed.soundtrackRef);
    const measured = await ebur128(file);
    expect(Math.abs(measured.integrated + 14)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    // The result reports what the file measures.
    expect(Math.abs(mixed.integratedLufs - measured.integrated)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(mixed.truePeakDbtp - measured.truePeak)).toBeLessThanOrEqual(0.1);
    expect(await readWavFormat(file)).toMatchObject({
      sampleRate: 48000,
      channels: 2,
      samples: Math.round(timeline.totalSec * 48000),
    });

    // The bed fades in from and out to silence: the mix's first and last 50 ms are all but silent.
    const samples = await pcm(file);
    expect(rmsDb(samples, 0, 0.05)).toBeLessThan(-50);
    expect(rmsDb(samples, timeline.totalSec - 0.05, timeline.totalSec)).toBeLessThan(-50);

    // Idempotent: the retry measures and returns the committed file, it does not mix again.
    const before = (await stat(file)).mtimeMs;
    const retried = await run(mixSoundtrack, {
      runKey: 'mix',
      timeline,
      narrationRefs,
      musicRef: bed.musicRef,
      musicVolume: 0.3,
    });
    expect(retried).toEqual(mixed);
    expect((await stat(file)).mtimeMs).toBe(before);
    expect((await readdir(path.dirname(file))).sort()).toEqual(['music.wav', 'soundtrack.wav']);
  });

  it('without music, the narration alone is normalised the same way', async () => {
    const { mixSoundtrack } = activities();
    const mixed = await run(mixSoundtrack, { runKey: 'voice-only', timeline, narrationRefs });
    const measured = await ebur128(storage.localPath(mixed.soundtrackRef));
    expect(Math.abs(measured.integrated + 14)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(mixed.durationSec).toBe(timeline.totalSec);
  });

  it('a music URL through the fetcher is mixed under the narration', async () => {
    const { prepareMusic, mixSoundtrack } = activities();
    const bed = await run(prepareMusic, {
      runKey: 'url-mix',
      music: { source: 'url', url: musicUrl, volume: 0.5 },
      moods: [],
      durationSec: timeline.totalSec,
    });
    const withMusic = await run(mixSoundtrack, {
      runKey: 'url-mix',
      timeline,
      narrationRefs,
      musicRef: bed.musicRef,
      musicVolume: 0.5,
    });
    const measured = await ebur128(storage.localPath(withMusic.soundtrackRef));
    expect(Math.abs(measured.integrated + 14)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    // The track is audible where nobody speaks (between the first two scenes), unlike the voice-only mix.
    const gap = [
      timeline.scenes[0]!.narrationStartSec + timeline.scenes[0]!.narrationDurationSec + DUCKING.releaseSec,
      timeline.scenes[1]!.narrationStartSec - DUCKING.attackSec,
    ] as const;
    const mix = await pcm(storage.localPath(withMusic.soundtrackRef));
    const voiceOnly = await pcm(storage.localPath('runs/voice-only/soundtrack.wav'));
    expect(rmsDb(mix, ...gap)).toBeGreaterThan(rmsDb(voiceOnly, ...gap) + 20);
  });

  it('a missing narration clip is AssetMissing, not a failed mix', async () => {
    const { mixSoundtrack } = activities();
    await expect(
      run(mixSoundtrack, {
        runKey: 'gone',
        timeline,
        narrationRefs: [narrationRefs[0]!, 'runs/story/scene-09/narration.wav', narrationRefs[2]!],
      }),
    ).rejects.toMatchObject({ type: 'AssetMissing', nonRetryable: true });
  });
});

describe('ducking and fades, measured on the stems', () => {
  // Long transitions leave 2 s between lines, so the bed's level outside speech can be measured.
  let wide: Timeline;
  let spec: SoundtrackSpec;
  let bed: Float32Array;
  let flat: Float32Array;
  let voice: Float32Array;

  beforeAll(async () => {
    wide = buildTimeline(narrationSeconds, 1.5, 30);
    const { prepareMusic } = activities();
    const music = await run(prepareMusic, {
      runKey: 'duck',
      music: generated,
      moods: ['warm'],
      durationSec: wide.totalSec,
    });
    spec = await planSoundtrack(tools, {
      timeline: wide,
      narrationPaths: narrationRefs.map((ref) => storage.localPath(ref)),
      musicPath: storage.localPath(music.musicRef!),
      musicVolume: 0.3,
    });
    bed = await renderStem(spec, 'music', 'duck-bed');
    voice = await renderStem(spec, 'narration', 'duck-voice');
    // The same bed with nothing to duck under: the reference for how much the ducking took away.
    flat = await renderStem({ ...spec, narration: [] }, 'music', 'duck-flat');
  });

  const speech = () =>
    wide.scenes.map((s) => [s.narrationStartSec + 0.05, s.narrationStartSec + s.narrationDurationSec - 0.05] as const);
  const gaps = () =>
    wide.scenes.slice(1).map((s, i) => {
      const prev = wide.scenes[i]!;
      return [
        prev.narrationStartSec + prev.narrationDurationSec + DUCKING.releaseSec,
        s.narrationStartSec - DUCKING.attackSec,
      ] as const;
    });

  it('in speech the bed is at least 8 dB below its level outside speech, and the voice is far above it', () => {
    const inside = meanDb(speech().map(([a, b]) => rmsDb(bed, a, b)));
    const outside = meanDb(gaps().map(([a, b]) => rmsDb(bed, a, b)));
    expect(outside - inside).toBeGreaterThanOrEqual(8);
    for (const [a, b] of speech()) expect(rmsDb(voice, a, b)).toBeGreaterThan(rmsDb(bed, a, b) + 15);
    // Against the same bed unducked: the dip is the configured depth inside, and nothing outside.
    for (const [a, b] of speech()) expect(rmsDb(flat, a, b) - rmsDb(bed, a, b)).toBeCloseTo(DUCKING.depthDb, 0);
    for (const [a, b] of gaps()) expect(Math.abs(rmsDb(flat, a, b) - rmsDb(bed, a, b))).toBeLessThan(0.5);
  });

  it('the bed fades in over 1.5 s and out over 2 s', () => {
    const T = wide.totalSec;
    const full = rmsDb(flat, 2, 3);
    expect(rmsDb(flat, 0, 0.1)).toBeLessThan(full - 20);
    expect(rmsDb(flat, 0.7, 0.8)).toBeGreaterThan(rmsDb(flat, 0, 0.1) + 6);
    expect(rmsDb(flat, 0.7, 0.8)).toBeLessThan(full);
    expect(Math.abs(rmsDb(flat, 1.6, 2.6) - full)).toBeLessThan(3);
    const beforeFade = rmsDb(flat, T - 3, T - 2);
    expect(rmsDb(flat, T - 0.1, T)).toBeLessThan(beforeFade - 20);
    expect(rmsDb(flat, T - 1.05, T - 0.95)).toBeLessThan(beforeFade);
  });
});

describe('renderShort with a soundtrack', () => {
  it('encodes the soundtrack as it is (AAC) instead of mixing the narration', async () => {
    const { mixSoundtrack, prepareMusic } = activities();
    const bed = await run(prepareMusic, {
      runKey: 'story',
      music: generated,
      moods: ['calm'],
      durationSec: timeline.totalSec,
    });
    const mixed = await run(mixSoundtrack, { runKey: 'story', timeline, narrationRefs, musicRef: bed.musicRef });
    const video = await run(fixture.render, { ...fixture.input, soundtrackRef: mixed.soundtrackRef });
    expect(Math.abs(video.durationSec - timeline.totalSec)).toBeLessThan(0.1);
    const inVideo = await ebur128(video.videoPath);
    // The same loudness as the WAV: nothing was mixed or levelled on the way (AAC moves it a little).
    expect(Math.abs(inVideo.integrated - mixed.integratedLufs)).toBeLessThanOrEqual(0.3);
    expect(inVideo.truePeak).toBeLessThanOrEqual(-0.5);
  });
});
