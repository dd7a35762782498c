/**
 * The Replicate emulator's real media, through the real `replicate` client: speech (espeak-ng),
 * music beds and MP4 videos (ffmpeg) from models registered with their real Replicate inputs, and
 * the files API (upload, use as an input, download, delete). Every check is on the bytes served
 * (ffprobe, decoded frames), never on wall-clock time.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Replicate from 'replicate';
import type { Prediction } from 'replicate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia, type ProbeResult } from '../src/media/ffmpeg.js';
import { encodePng } from '../src/media/png.js';
import {
  ANIMATE_DIFF_VERSION,
  KOKORO_VERSION,
  MUSICGEN_VERSION,
  startReplicateEmulator,
  type ReplicateEmulator,
} from '../src/emulators/replicate/index.js';
import { colourFor } from '../src/emulators/replicate/png.js';

const TOKEN = `r8_${'m'.repeat(33)}e5f6`;
const OTHER = `r8_${'o'.repeat(33)}a7b8`;
const TOOLS = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

let emu: ReplicateEmulator;
let replicate: Replicate;
let dir: string;

beforeAll(async () => {
  emu = await startReplicateEmulator({ latencySeconds: 0.05, jitter: 0, tokens: [TOKEN, OTHER] });
  replicate = new Replicate({ auth: TOKEN, baseUrl: emu.url });
  dir = await mkdtemp(join(tmpdir(), 'replicate-media-test-'));
});

afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

type Input = Record<string, unknown>;

/** Creates (by model, or by version for community models), polls to the end, returns the body. */
async function predict(target: { model: string } | { version: string }, input: Input, client = replicate) {
  let p: Prediction = await client.predictions.create({ ...target, input });
  while (p.status === 'starting' || p.status === 'processing') {
    await new Promise((r) => setTimeout(r, 15));
    p = await client.predictions.get(p.id);
  }
  return p;
}

interface Served {
  bytes: Buffer;
  contentType: string | null;
  contentLength: number;
  path: string;
  probe: ProbeResult;
}

let files = 0;
/** Downloads a prediction's single output and probes it. */
async function served(p: Prediction): Promise<Served> {
  expect(p.status, String(p.error)).toBe('succeeded');
  expect(typeof p.output).toBe('string');
  const res = await fetch(p.output as string);
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  const path = join(dir, `out-${files++}${(p.output as string).slice((p.output as string).lastIndexOf('.'))}`);
  await writeFile(path, bytes);
  return {
    bytes,
    contentType: res.headers.get('content-type'),
    contentLength: Number(res.headers.get('content-length')),
    path,
    probe: await probeMedia(TOOLS, path),
  };
}

/** Frame `n` of a video as raw RGB bytes. */
function frameRgb(path: string, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        path,
        '-vf',
        `select=eq(n\\,${n})`,
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ],
      { encoding: 'buffer', maxBuffer: 32 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

function meanRgb(rgb: Buffer): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) sum[c]! += rgb[i + c]!;
  const n = rgb.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

function solid(width: number, height: number, rgb: [number, number, number]): Buffer {
  const px = new Uint8Array(width * height * 3);
  for (let i = 0; i < px.length; i += 3) px.set(rgb, i);
  return encodePng(width, height, px);
}

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
const RED = solid(90, 160, [230, 20, 20]);
const BLUE = solid(160, 90, [20, 30, 230]);

function video(s: Served) {
  const streams = s.probe.streams;
  const v = streams.find((x) => x.type === 'video')!;
  return { v, audio: streams.filter((x) => x.type === 'audio').length };
}

/** The checks every video output passes: an H.264 yuv420p MP4, no audio, its size, rate and length. */
async function expectVideo(s: Served, want: { width: number; height: number; fps: number; seconds: number }) {
  expect(s.contentType).toBe('video/mp4');
  expect(s.contentLength).toBe(s.bytes.length);
  expect(s.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  const { v, audio } = video(s);
  expect(audio).toBe(0);
  expect(v).toMatchObject({
    codec: 'h264',
    pixelFormat: 'yuv420p',
    width: want.width,
    height: want.height,
    fps: want.fps,
  });
  expect(Math.abs(s.probe.durationSec - want.seconds)).toBeLessThanOrEqual(1 / want.fps + 1e-6);
  // Visible motion: the first frame and one a second later are not the same picture.
  const [a, b] = await Promise.all([
    frameRgb(s.path, 0),
    frameRgb(s.path, Math.min(want.fps, Math.round(want.seconds * want.fps) - 1)),
  ]);
  expect(a.length).toBe(want.width * want.height * 3);
  expect(a.equals(b)).toBe(false);
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 24) changed++;
  expect(changed / a.length).toBeGreaterThan(0.01);
}

describe('speech', () => {
  it('MiniMax speech-02-turbo: an MP3 (its default) whose length grows with the text and shrinks with speed', async () => {
    const short = await served(await predict({ model: 'minimax/speech-02-turbo' }, { text: 'Hello there.' }));
    const long = await served(
      await predict(
        { model: 'minimax/speech-02-turbo' },
        { text: 'Hello there. This sentence is a good deal longer, so its narration lasts longer too.' },
      ),
    );
    expect(short.contentType).toBe('audio/mpeg');
    expect(short.contentLength).toBe(short.bytes.length);
    expect(short.probe.streams).toEqual([
      expect.objectContaining({ type: 'audio', codec: 'mp3', sampleRate: 32_000, channels: 1 }),
    ]);
    expect(short.probe.durationSec).toBeGreaterThan(0.3);
    expect(long.probe.durationSec).toBeGreaterThan(short.probe.durationSec * 2);

    const text = 'The quick brown fox jumps over the lazy dog, twice, and then once more.';
    const normal = await served(await predict({ model: 'minimax/speech-02-turbo' }, { text, audio_format: 'wav' }));
    const fast = await served(
      await predict({ model: 'minimax/speech-02-turbo' }, { text, audio_format: 'wav', speed: 2 }),
    );
    expect(normal.contentType).toBe('audio/wav');
    expect(normal.bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(fast.probe.durationSec).toBeLessThan(normal.probe.durationSec * 0.75);

    // A pause marker is a real pause.
    const flac = (text: string) => predict({ model: 'minimax/speech-02-turbo' }, { text, audio_format: 'flac' });
    const joined = await served(await flac('Hello there. Hello there.'));
    const paused = await served(await flac('Hello there.<#3#>Hello there.'));
    expect(paused.contentType).toBe('audio/flac');
    // A 3 s break stands where the sentence gap (well under a second) was.
    expect(paused.probe.durationSec - joined.probe.durationSec).toBeGreaterThan(2.2);

    const p = await predict({ model: 'minimax/speech-02-turbo' }, { text: 'Привет' });
    expect(p.metrics).toMatchObject({ character_input_count: 6, predict_time: expect.any(Number) });
  });

  it('Kokoro (community, by version): a 24 kHz WAV; Russian, Korean and Japanese text are spoken too', async () => {
    const en = await served(await predict({ version: KOKORO_VERSION }, { text: 'Good morning.', voice: 'af_bella' }));
    expect(en.contentType).toBe('audio/wav');
    expect(en.probe.streams[0]).toMatchObject({ type: 'audio', codec: 'pcm_s16le', sampleRate: 24_000, channels: 1 });
    for (const text of ['Доброе утро, друзья.', '좋은 아침입니다.', 'おはようございます。']) {
      const s = await served(await predict({ version: KOKORO_VERSION }, { text }));
      expect(s.probe.durationSec).toBeGreaterThan(0.4);
    }
    const e404 = await replicate.predictions
      .create({ model: 'jaaari/kokoro-82m', input: { text: 'x' } })
      .catch((e: unknown) => e);
    expect((e404 as { response: Response }).response.status).toBe(404);
  });
});

describe('music', () => {
  it('MusicGen: a stereo 48 kHz WAV of exactly the requested duration, the same for the same prompt', async () => {
    const input = { prompt: 'calm ambient pads', duration: 3, model_version: 'stereo-large', output_format: 'wav' };
    const a = await served(await predict({ version: MUSICGEN_VERSION }, input));
    expect(a.contentType).toBe('audio/wav');
    expect(a.probe.streams[0]).toMatchObject({ type: 'audio', codec: 'pcm_s16le', sampleRate: 48_000, channels: 2 });
    expect(Math.abs(a.probe.durationSec - 3)).toBeLessThanOrEqual(0.1);
    const b = await served(await predict({ version: MUSICGEN_VERSION }, input));
    expect(b.bytes.equals(a.bytes)).toBe(true);
    const other = await served(await predict({ version: MUSICGEN_VERSION }, { ...input, prompt: 'tense strings' }));
    expect(other.bytes.equals(a.bytes)).toBe(false);

    // Not silence: the samples swing well away from zero.
    const samples = new Int16Array(a.bytes.buffer, a.bytes.byteOffset + 44, (a.bytes.length - 44) >> 1);
    expect(Math.max(...samples.subarray(48_000, 96_000).map(Math.abs))).toBeGreaterThan(3000);

    const defaults = await served(await predict({ version: MUSICGEN_VERSION }, { prompt: 'lofi' }));
    expect(Math.abs(defaults.probe.durationSec - 8)).toBeLessThanOrEqual(0.1);
    const mp3 = await served(
      await predict(
        { version: MUSICGEN_VERSION },
        { prompt: 'lofi', duration: 2, output_format: 'mp3', model_version: 'melody-large' },
      ),
    );
    expect(mp3.contentType).toBe('audio/mpeg');
    expect(mp3.probe.streams[0]).toMatchObject({ codec: 'mp3', channels: 1 });
    expect(Math.abs(mp3.probe.durationSec - 2)).toBeLessThanOrEqual(0.1);
  });

  it('rejects a duration past 30 s with a 422 naming the field', async () => {
    const err = (await replicate.predictions
      .create({ version: MUSICGEN_VERSION, input: { prompt: 'x', duration: 31 } })
      .catch((e: unknown) => e)) as { response: Response; message: string };
    expect(err.response.status).toBe(422);
    expect(err.message).toContain('input.duration: Must be less than or equal to 30');
  });
});

describe('video', () => {
  it('Kling v2.5 turbo pro, text to video: 9:16 at 1080p ÷ 4, 5 s of 24 fps, moving, silent', async () => {
    const p = await predict(
      { model: 'kwaivgi/kling-v2.5-turbo-pro' },
      { prompt: 'a fox in snow', aspect_ratio: '9:16', duration: 5 },
    );
    await expectVideo(await served(p), { width: 270, height: 480, fps: 24, seconds: 5 });
    expect(p.metrics).toMatchObject({ video_output_count: 1, video_output_duration_seconds: 5 });
    const wide = await predict({ model: 'kwaivgi/kling-v2.5-turbo-pro' }, { prompt: 'a fox in snow', duration: 10 });
    await expectVideo(await served(wide), { width: 480, height: 270, fps: 24, seconds: 10 });
  });

  it('AnimateDiff (community): 16 frames at 8 fps, square', async () => {
    const p = await predict({ version: ANIMATE_DIFF_VERSION }, { prompt: 'a lighthouse, waves' });
    await expectVideo(await served(p), { width: 128, height: 128, fps: 8, seconds: 2 });
    expect((p.metrics as Record<string, unknown>).video_output_duration_seconds).toBeUndefined(); // billed by time, like Replicate's community models
  });

  it('MiniMax video-01, text to video: 6 s of 25 fps at 16:9', async () => {
    const p = await predict({ model: 'minimax/video-01' }, { prompt: 'city lights at night' });
    await expectVideo(await served(p), { width: 320, height: 180, fps: 25, seconds: 6 });
  });

  it('image to video: the first frame takes its colour (and the video its aspect) from the start image', async () => {
    const red = await served(
      await predict({ model: 'kwaivgi/kling-v2.1' }, { prompt: 'the wind', start_image: dataUrl(RED), duration: 5 }),
    );
    await expectVideo(red, { width: 180, height: 320, fps: 24, seconds: 5 });
    const [r, g, b] = meanRgb(await frameRgb(red.path, 0));
    expect(r).toBeGreaterThan(150);
    expect(r).toBeGreaterThan(3 * Math.max(g, b));

    const blue = await served(
      await predict({ model: 'kwaivgi/kling-v2.1' }, { prompt: 'the wind', start_image: dataUrl(BLUE), mode: 'pro' }),
    );
    await expectVideo(blue, { width: 480, height: 270, fps: 24, seconds: 5 });
    const [r2, g2, b2] = meanRgb(await frameRgb(blue.path, 0));
    expect(b2).toBeGreaterThan(150);
    expect(b2).toBeGreaterThan(3 * Math.max(r2, g2));

    // Wan's length is frames ÷ frames_per_second, its aspect the image's.
    const wan = await served(
      await predict(
        { model: 'wan-video/wan-2.2-i2v-fast' },
        { prompt: 'slow pan', image: dataUrl(RED), num_frames: 96, frames_per_second: 24 },
      ),
    );
    await expectVideo(wan, { width: 120, height: 214, fps: 24, seconds: 4 });
    expect(meanRgb(await frameRgb(wan.path, 0))[0]).toBeGreaterThan(150);
    const wanDefault = await served(
      await predict({ model: 'wan-video/wan-2.2-i2v-fast' }, { prompt: 'p', image: dataUrl(BLUE) }),
    );
    await expectVideo(wanDefault, { width: 214, height: 120, fps: 16, seconds: 81 / 16 });
  });

  it("image to video from another prediction's output: MiniMax video-01 with a FLUX image as first_frame_image", async () => {
    const image = await predict(
      { model: 'black-forest-labs/flux-schnell' },
      { prompt: 'a red barn', aspect_ratio: '9:16' },
    );
    const p = await predict(
      { model: 'minimax/video-01' },
      { prompt: 'zoom in', first_frame_image: (image.output as string[])[0] },
    );
    const s = await served(p);
    await expectVideo(s, { width: 180, height: 320, fps: 25, seconds: 6 });
    // The emulated FLUX image is one flat colour, so the first frame is that colour (give or take the light square).
    const want = colourFor('a red barn', 0);
    const got = meanRgb(await frameRgb(s.path, 0));
    for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThan(30);
  });

  it('a missing required input is a 422 naming the field, as Replicate validates', async () => {
    for (const [model, input, field] of [
      ['kwaivgi/kling-v2.1', { prompt: 'no image' }, 'start_image'],
      ['wan-video/wan-2.2-i2v-fast', { image: dataUrl(RED) }, 'prompt'],
      ['minimax/speech-02-turbo', { voice_id: 'Wise_Woman' }, 'text'],
    ] as const) {
      const res = await fetch(`${emu.url}/models/${model}/predictions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ input }),
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { title: string; detail: string; invalid_fields: unknown[] };
      expect(body.title).toBe('Input validation failed');
      expect(body.detail).toBe(`- input: ${field} is required`);
      expect(body.invalid_fields).toEqual([{ type: 'required', field: 'input', description: `${field} is required` }]);
    }
    const bad = (await replicate.predictions
      .create({ model: 'kwaivgi/kling-v2.1', input: { prompt: 'x', start_image: dataUrl(RED), duration: 7 } })
      .catch((e: unknown) => e)) as { response: Response; message: string };
    expect(bad.response.status).toBe(422);
    expect(bad.message).toContain('duration must be one of the following: 5, 10');
    // An input file the model cannot read fails the prediction, as a failed download does.
    const unreadable = await predict(
      { model: 'kwaivgi/kling-v2.1' },
      { prompt: 'x', start_image: 'https://example.com/a.png' },
    );
    expect(unreadable.status).toBe('failed');
    expect(unreadable.error).toContain('Could not load start_image');
  });

  it('makes each output once: repeated downloads are the same bytes, and HEAD tells the same length', async () => {
    const p = await predict({ model: 'kwaivgi/kling-v2.5-turbo-pro' }, { prompt: 'cache me', aspect_ratio: '1:1' });
    const url = p.output as string;
    const [a, b] = await Promise.all([fetch(url), fetch(url)]);
    const [ba, bb] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
    expect(ba.equals(bb)).toBe(true);
    const head = await fetch(url, { method: 'HEAD' });
    expect(Number(head.headers.get('content-length'))).toBe(ba.length);
    expect(head.headers.get('content-type')).toBe('video/mp4');
  });
});

describe('files API', () => {
  it('uploads with files.create, serves the file back, feeds it to a model, counts it, deletes it', async () => {
    const file = (await replicate.files.create(BLUE, { purpose: 'start frame' })) as unknown as Record<
      string,
      unknown
    > & {
      id: string;
      urls: { get: string };
    };
    expect(file).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      name: expect.stringMatching(/^buffer_\d+$/),
      content_type: 'application/octet-stream',
      size: BLUE.length,
      etag: createHash('md5').update(BLUE).digest('hex'),
      checksums: {
        sha256: createHash('sha256').update(BLUE).digest('hex'),
        md5: createHash('md5').update(BLUE).digest('hex'),
      },
      metadata: { purpose: 'start frame' },
      created_at: expect.any(String),
      expires_at: expect.any(String),
      urls: { get: `${emu.url}/files/${file.id}` },
    });
    expect(Date.parse(file.expires_at as string) - Date.parse(file.created_at as string)).toBe(86_400_000);
    expect(await replicate.files.get(file.id)).toEqual(file);
    expect(((await replicate.files.list()) as { results: { id: string }[] }).results.map((f) => f.id)).toContain(
      file.id,
    );

    // Content: a signed link needs no token; the owner's token opens it too; nothing else does.
    const signed = emu.signedFileUrl(file.id)!;
    expect(Buffer.from(await (await fetch(signed)).arrayBuffer()).equals(BLUE)).toBe(true);
    const owned = await fetch(`${file.urls.get}/download`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(owned.headers.get('content-length')).toBe(String(BLUE.length));
    expect((await fetch(`${file.urls.get}/download`)).status).toBe(401);
    expect((await fetch(signed.replace(/signature=[^&]+/, 'signature=AAAA'))).status).toBe(403);
    expect(
      (await new Replicate({ auth: OTHER, baseUrl: emu.url }).files.get(file.id).catch((e: unknown) => e)) as object,
    ).toHaveProperty('response.status', 404);

    // The URL as a model input: image to video from the upload.
    const fromUpload = await served(
      await predict({ model: 'kwaivgi/kling-v2.1' }, { prompt: 'p', start_image: file.urls.get }),
    );
    const [r, g, b] = meanRgb(await frameRgb(fromUpload.path, 0));
    expect(b).toBeGreaterThan(3 * Math.max(r, g));
    // Another account cannot read it.
    const stranger = await predict(
      { model: 'kwaivgi/kling-v2.1' },
      { prompt: 'p', start_image: file.urls.get },
      new Replicate({ auth: OTHER, baseUrl: emu.url }),
    );
    expect(stranger.status).toBe('failed');

    // The client uploads a Buffer input by itself (files.create), then sends its URL.
    const auto = await replicate.predictions.create({
      model: 'kwaivgi/kling-v2.1',
      input: { prompt: 'p', start_image: RED },
    });
    expect((auto.input as Record<string, unknown>).start_image).toMatch(
      new RegExp(`^${emu.url}/files/[A-Za-z0-9_-]+$`),
    );
    expect(emu.stats(TOKEN)).toMatchObject({ uploads: 2, uploadedBytes: BLUE.length + RED.length });

    expect(await replicate.files.delete(file.id)).toBe(true);
    expect(
      ((await replicate.files.get(file.id).catch((e: unknown) => e)) as { response: Response }).response.status,
    ).toBe(404);
    const gone = await predict({ model: 'kwaivgi/kling-v2.1' }, { prompt: 'p', start_image: file.urls.get });
    expect(gone.status).toBe('failed');
    expect(gone.error).toContain('was not found');
  });

  it('rejects an upload that is not multipart with a content part', async () => {
    const res = await fetch(`${emu.url}/files`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    const form = new FormData();
    form.append('other', new Blob(['x']), 'x.txt');
    const missing = await fetch(`${emu.url}/files`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: string }).detail).toContain('content');
  });
});
