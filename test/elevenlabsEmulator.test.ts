/**
 * The official `@elevenlabs/elevenlabs-js` client (v2) against the local ElevenLabs emulator
 * (src/emulators/elevenlabs).
 *
 * What the client does (read from node_modules/@elevenlabs/elevenlabs-js):
 * - `new ElevenLabsClient({ apiKey, baseUrl })` joins "v1/…" onto baseUrl, so baseUrl is the bare
 *   origin. The key goes out as `xi-api-key` (falling back to $ELEVENLABS_API_KEY).
 * - `textToSpeech.convertWithTimestamps(voiceId, { text, modelId, outputFormat, … })` → POST
 *   /v1/text-to-speech/{voice_id}/with-timestamps?output_format=…, parsed into camelCase
 *   `{ audioBase64, alignment: { characters, characterStartTimesSeconds, characterEndTimesSeconds },
 *   normalizedAlignment }`. `convert` / `stream` return a ReadableStream of the audio bytes.
 * - Every non-2xx throws `ElevenLabsError` (422 as its subclass UnprocessableEntityError) with
 *   `statusCode`, `body` (the parsed JSON, so `body.detail.status`) and `rawResponse.headers`.
 * - It retries 408, 429 and 5xx itself, `maxRetries` times (default 2), waiting Retry-After when
 *   there is one, else 1 s, 2 s, … with jitter. Tests that look at one error pass maxRetries: 0.
 *
 * The real API's shapes the emulator copies (sources):
 * - 401 `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`: SillyTavern/SillyTavern#4483;
 *   without a key, 401 needs_authorization "Neither authorization header nor xi-api-key received,
 *   please provide one.": a recorded error survey in Damonbodine/wordwise-ai.
 * - 404 `{"detail":{"status":"voice_not_found","message":"A voice with the voice_id foo was not found."}}`,
 *   server uvicorn, as the TS client prints it: elevenlabs/elevenlabs-docs#1317.
 * - 401 quota_exceeded "This request exceeds your quota of 10000. You have 0 credits remaining,
 *   while 91 credits are required for this request.": home-assistant/core#160414 (2026).
 * - 429 too_many_concurrent_requests "Too many concurrent requests. Your current subscription is
 *   associated with a maximum of 5 concurrent requests …": haguro/elevenlabs-go#25; 429 system_busy
 *   "We are sorry, the system is experiencing heavy traffic, please try again. Higher subscriptions
 *   have higher priority.": SubtitleEdit/subtitleedit#9246. The docs' error page and the help center
 *   ("API - Error Code 429") name these two codes and mention no Retry-After header.
 * - 500 something_went_wrong "We are sorry, something went wrong. You are not charged for this
 *   request.": elevenlabs/elevenlabs-python#351.
 * - Audio responses carry request-id, history-item-id, character-cost, current-concurrent-requests
 *   and maximum-concurrent-requests headers (a recorded real response; elevenlabs-docs#1021).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maskToken } from '../src/security/redact.js';
import {
  startElevenLabsEmulator,
  type ElevenLabsEmulator,
  type ElevenLabsStats,
} from '../src/emulators/elevenlabs/index.js';

const run = promisify(execFile);
const KEY_A = `sk_${'a'.repeat(44)}a1b2`;
const KEY_B = `sk_${'b'.repeat(44)}c3d4`;
const KEY_QUOTA = `sk_${'c'.repeat(44)}e5f6`;
const RACHEL = '21m00Tcm4TlvDq8ikWAM';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'elevenlabs-test-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const clientFor = (emu: ElevenLabsEmulator, apiKey: string, maxRetries = 0) =>
  new ElevenLabsClient({ apiKey, baseUrl: emu.url, maxRetries });

let fileCounter = 0;
async function toFile(audio: Uint8Array, ext: string): Promise<string> {
  const file = join(dir, `clip${++fileCounter}.${ext}`);
  await writeFile(file, audio);
  return file;
}

async function probe(file: string): Promise<{ codec: string; sampleRate: number; duration: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  const info = JSON.parse(stdout) as {
    streams: { codec_name: string; sample_rate: string }[];
    format: { duration: string };
  };
  return {
    codec: info.streams[0]!.codec_name,
    sampleRate: Number(info.streams[0]!.sample_rate),
    duration: Number(info.format.duration),
  };
}

const PCM_RATE = 16_000;
/** The decoded audio as 16 kHz mono samples (what a listener would hear, codec delay and all). */
async function decode(file: string): Promise<Int16Array> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(PCM_RATE), '-f', 's16le', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
}

function rms(samples: Int16Array, fromSec: number, toSec: number): number {
  const from = Math.max(0, Math.floor(fromSec * PCM_RATE));
  const to = Math.min(samples.length, Math.ceil(toSec * PCM_RATE));
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

interface Alignment {
  characters: string[];
  characterStartTimesSeconds: number[];
  characterEndTimesSeconds: number[];
}

/** Runs of word characters (letters, digits, inner apostrophes) and of everything else, with their times. */
function spans(a: Alignment): { word: boolean; text: string; start: number; end: number }[] {
  const out: { word: boolean; text: string; start: number; end: number }[] = [];
  a.characters.forEach((c, i) => {
    const word = /[\p{L}\p{N}\p{M}'’-]/u.test(c);
    const last = out.at(-1);
    if (last && last.word === word) {
      last.text += c;
      last.end = a.characterEndTimesSeconds[i]!;
    } else {
      out.push({ word, text: c, start: a.characterStartTimesSeconds[i]!, end: a.characterEndTimesSeconds[i]! });
    }
  });
  return out;
}

function errorOf(err: unknown): { statusCode?: number; status?: string; message?: string; headers?: Headers } {
  expect(err).toBeInstanceOf(ElevenLabsError);
  const e = err as ElevenLabsError;
  const detail = (e.body as { detail?: { status?: string; message?: string } } | undefined)?.detail;
  return {
    statusCode: e.statusCode,
    status: detail?.status,
    message: detail?.message,
    headers: e.rawResponse?.headers,
  };
}

async function rejection(promise: Promise<unknown>): Promise<ReturnType<typeof errorOf>> {
  try {
    await promise;
  } catch (err) {
    return errorOf(err);
  }
  throw new Error('expected the call to fail');
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('ElevenLabs emulator: speech with timestamps', () => {
  let emu: ElevenLabsEmulator;
  beforeAll(async () => void (emu = await startElevenLabsEmulator({ apiKeys: [KEY_A, KEY_B] })));
  afterAll(async () => emu.close());

  it.each([
    ['en', 'Every evening, old Mira climbed the hill to watch the ships.', 'en-us'],
    ['ru', 'Сегодня хорошая погода, пойдём в парк.', 'ru'],
    ['zh', '今天天气很好，我们去公园散步。', 'cmn'],
    ['ko', '오늘은 날씨가 좋아요. 공원에 갑시다.', 'ko'],
  ])('%s: decodable audio whose alignment spells the text and matches the sound', async (_lang, text, espeak) => {
    const res = await clientFor(emu, KEY_A).textToSpeech.convertWithTimestamps(RACHEL, {
      text,
      modelId: 'eleven_multilingual_v2',
    });
    const file = await toFile(Buffer.from(res.audioBase64, 'base64'), 'mp3');
    const info = await probe(file);
    expect(info).toMatchObject({ codec: 'mp3', sampleRate: 44_100 }); // the default mp3_44100_128

    const a = res.alignment!;
    expect(a.characters.join('')).toBe(text);
    expect(a.characterStartTimesSeconds).toHaveLength(a.characters.length);
    expect(a.characterEndTimesSeconds).toHaveLength(a.characters.length);
    expect(a.characterStartTimesSeconds[0]).toBe(0);
    a.characters.forEach((_, i) => {
      expect(a.characterEndTimesSeconds[i]!).toBeGreaterThan(a.characterStartTimesSeconds[i]!);
      if (i > 0) expect(a.characterStartTimesSeconds[i]!).toBeGreaterThanOrEqual(a.characterEndTimesSeconds[i - 1]!);
    });
    expect(Math.abs(a.characterEndTimesSeconds.at(-1)! - info.duration)).toBeLessThanOrEqual(0.15);
    expect(res.normalizedAlignment!.characters.join('')).toBe(text.replace(/\s+/gu, ' ').trim());

    // Words sit on sound, the spaces and punctuation between them on (near) silence.
    const samples = await decode(file);
    const all = spans(a);
    const words = all.filter((s) => s.word);
    const gaps = all.filter((s) => !s.word && s.end - s.start > 0.04);
    expect(words.length).toBeGreaterThan(1);
    expect(gaps.length).toBeGreaterThan(0);
    const gapLevel = Math.max(...gaps.map((g) => rms(samples, g.start + 0.015, g.end - 0.015)));
    for (const w of words) {
      const level = rms(samples, w.start, w.end);
      expect(level, `"${w.text}" ${w.start}-${w.end}`).toBeGreaterThan(300);
      expect(level, `"${w.text}" against the gaps' ${gapLevel}`).toBeGreaterThan(5 * gapLevel);
    }
    expect(emu.stats().syntheses.at(-1)).toMatchObject({
      espeakVoice: `${espeak}+f3`,
      characters: Array.from(text).length,
    });
  });

  it('gives the same audio and timings for the same request, and honours output_format', async () => {
    const client = clientFor(emu, KEY_A);
    const request = { text: 'Same words, same sound.', outputFormat: 'pcm_16000' as const };
    const first = await client.textToSpeech.convertWithTimestamps(RACHEL, request);
    const second = await client.textToSpeech.convertWithTimestamps(RACHEL, request);
    expect(second.audioBase64).toBe(first.audioBase64);
    expect(second.alignment).toEqual(first.alignment);
    // pcm_16000 is raw 16-bit mono at 16 kHz: its length is the duration.
    const pcmSeconds = Buffer.from(first.audioBase64, 'base64').length / 2 / 16_000;
    expect(Math.abs(first.alignment!.characterEndTimesSeconds.at(-1)! - pcmSeconds)).toBeLessThan(0.01);
    const slow = await client.textToSpeech.convertWithTimestamps(RACHEL, { ...request, voiceSettings: { speed: 0.7 } });
    expect(slow.alignment!.characterEndTimesSeconds.at(-1)!).toBeGreaterThan(
      first.alignment!.characterEndTimesSeconds.at(-1)!,
    );
  });

  it('plain and streamed speech return audio bytes with the real headers', async () => {
    const client = clientFor(emu, KEY_A);
    const { data, rawResponse } = await client.textToSpeech
      .convert(RACHEL, { text: 'Plain bytes please.', outputFormat: 'mp3_22050_32' })
      .withRawResponse();
    expect(rawResponse.headers.get('content-type')).toBe('audio/mpeg');
    expect(rawResponse.headers.get('character-cost')).toBe('19');
    expect(rawResponse.headers.get('request-id')).toMatch(/^\w{20}$/);
    const plain = await probe(await toFile(await bytesOf(data), 'mp3'));
    expect(plain).toMatchObject({ codec: 'mp3', sampleRate: 22_050 });
    expect(plain.duration).toBeGreaterThan(0.5);

    const streamed = await bytesOf(
      await client.textToSpeech.stream(RACHEL, { text: 'Plain bytes please.', outputFormat: 'mp3_22050_32' }),
    );
    expect(await probe(await toFile(streamed, 'mp3'))).toMatchObject({ codec: 'mp3', sampleRate: 22_050 });
  });

  it('lists voices and models and reports the subscription', async () => {
    const client = clientFor(emu, KEY_B);
    const { voices } = await client.voices.getAll();
    const rachel = voices.find((v) => v.voiceId === RACHEL);
    expect(rachel).toMatchObject({
      name: 'Rachel',
      category: 'premade',
      labels: { accent: 'american', language: 'en', gender: 'female' },
    });
    expect(new Set(voices.map((v) => v.labels?.language))).toEqual(new Set(['en', 'ru', 'zh', 'ko', 'ja']));
    expect((await client.voices.get(RACHEL)).name).toBe('Rachel');
    const models = await client.models.list();
    expect(models.map((m) => m.modelId)).toContain('eleven_multilingual_v2');
    expect(models.every((m) => m.canDoTextToSpeech)).toBe(true);

    await client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'Twelve chars' });
    await client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'Twelve chars', modelId: 'eleven_flash_v2_5' });
    const subscription = await client.user.subscription.get();
    expect(subscription.characterCount).toBe(12 + 6); // flash bills half a credit a character
  });

  it('answers a bad key, a missing key, an unknown voice and an unknown model like the API', async () => {
    const bad = await rejection(clientFor(emu, 'sk_not_a_key_we_know').voices.getAll());
    expect(bad).toMatchObject({ statusCode: 401, status: 'invalid_api_key', message: 'Invalid API key' });

    const missing = await fetch(`${emu.url}/v1/text-to-speech/${RACHEL}/with-timestamps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { detail: { status: string } }).detail.status).toBe('needs_authorization');

    const voice = await rejection(clientFor(emu, KEY_A).textToSpeech.convertWithTimestamps('foo', { text: 'hi' }));
    expect(voice).toMatchObject({
      statusCode: 404,
      status: 'voice_not_found',
      message: 'A voice with the voice_id foo was not found.',
    });

    const model = await rejection(
      clientFor(emu, KEY_A).textToSpeech.convertWithTimestamps(RACHEL, { text: 'hi', modelId: 'nope' }),
    );
    expect(model).toMatchObject({ statusCode: 400, status: 'model_not_found' });

    const invalid = await fetch(`${emu.url}/v1/text-to-speech/${RACHEL}/with-timestamps?output_format=flac_1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'xi-api-key': KEY_A },
      body: JSON.stringify({}),
    });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual([
      'query',
      'output_format',
    ]);
  });
});

describe('ElevenLabs emulator: quota, faults, concurrency and accounting', () => {
  let emu: ElevenLabsEmulator;
  beforeAll(
    async () =>
      void (emu = await startElevenLabsEmulator({
        characterLimit: { [KEY_QUOTA]: 30 },
        concurrencyLimit: { [KEY_A]: 1 },
      })),
  );
  afterAll(async () => emu.close());
  beforeEach(() => emu.reset());

  it('refuses a request beyond the key quota with 401 quota_exceeded, and bills only what was spoken', async () => {
    const client = clientFor(emu, KEY_QUOTA);
    await client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'twenty characters!!!' });
    const over = await rejection(client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'twenty characters!!!' }));
    expect(over).toMatchObject({
      statusCode: 401,
      status: 'quota_exceeded',
      message:
        'This request exceeds your quota of 30. You have 10 credits remaining, while 20 credits are required for this request.',
    });
    // Half-price flash fits in what is left.
    await client.textToSpeech.convertWithTimestamps(RACHEL, {
      text: 'twenty characters!!!',
      modelId: 'eleven_flash_v2_5',
    });
    expect(emu.stats(KEY_QUOTA)).toMatchObject({ syntheses: 2, characters: 40, credits: 30, quotaExceeded: 1 });
    expect(await client.user.subscription.get()).toMatchObject({ characterCount: 30, characterLimit: 30 });
  });

  it('injects 429 system_busy (Retry-After only when asked for) and 500s that are not billed', async () => {
    const client = clientFor(emu, KEY_B);
    emu.setFaults({ rateLimit: { count: 1 } });
    const busy = await rejection(client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'busy' }));
    expect(busy).toMatchObject({ statusCode: 429, status: 'system_busy' });
    expect(busy.headers?.get('retry-after')).toBeNull();

    emu.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 7, status: 'too_many_concurrent_requests' } });
    const limited = await rejection(client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'busy' }));
    expect(limited).toMatchObject({ statusCode: 429, status: 'too_many_concurrent_requests' });
    expect(limited.headers?.get('retry-after')).toBe('7');

    emu.setFaults({ serverError: { count: 1 } });
    const broken = await rejection(client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'broken' }));
    expect(broken).toMatchObject({ statusCode: 500, status: 'something_went_wrong' });
    await client.textToSpeech.convertWithTimestamps(RACHEL, { text: 'fine' });

    expect(emu.stats(KEY_B)).toMatchObject({ rateLimited: 2, serverErrors: 1, syntheses: 1, credits: 4 });
    expect(emu.stats().statuses).toEqual({ '200': 1, '429': 2, '500': 1 });
  });

  it("the official client's own retry honours Retry-After and gets through", async () => {
    emu.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const res = await clientFor(emu, KEY_B, 2).textToSpeech.convertWithTimestamps(RACHEL, { text: 'again' });
    expect(res.alignment!.characters.join('')).toBe('again');
    const stats = emu.stats();
    expect(stats.requests['POST /v1/text-to-speech/{voice_id}/with-timestamps']).toBe(2);
    expect(stats.statuses).toEqual({ '200': 1, '429': 1 });
  });

  it('holds each key to its concurrency limit and records the violations', async () => {
    emu.setFaults({ latencyMs: 1_500 }); // keeps the first request in flight while the others arrive
    const limited = clientFor(emu, KEY_A);
    const results = await Promise.allSettled([
      ...[1, 2, 3].map((n) => limited.textToSpeech.convertWithTimestamps(RACHEL, { text: `request ${n}` })),
      clientFor(emu, KEY_B).textToSpeech.convertWithTimestamps(RACHEL, { text: 'other key' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => errorOf(r.reason));
    expect(refused).toHaveLength(2);
    for (const e of refused) {
      expect(e).toMatchObject({ statusCode: 429, status: 'too_many_concurrent_requests' });
      expect(e.message).toContain('a maximum of 1 concurrent requests');
    }
    const stats = emu.stats();
    expect(stats.keys[maskToken(KEY_A)]).toMatchObject({
      peakInFlight: 1,
      rateLimited: 2,
      concurrencyRejected: 2,
      syntheses: 1,
    });
    expect(stats.concurrencyViolations).toHaveLength(2);
    expect(stats.concurrencyViolations.every((v) => v.key === maskToken(KEY_A) && v.limit === 1)).toBe(true);
    expect(stats.totals.peakInFlight).toBe(2);
    expect(stats.totals.inFlight).toBe(0);
  });

  it('bills characters per masked key and serves the admin endpoints over HTTP', async () => {
    await clientFor(emu, KEY_A).textToSpeech.convertWithTimestamps(RACHEL, { text: 'ten chars!' });
    await clientFor(emu, KEY_B).textToSpeech.convert(RACHEL, { text: 'five!' }).then(bytesOf);
    await rejection(clientFor(emu, 'nope').textToSpeech.convertWithTimestamps(RACHEL, { text: 'x' }));

    const res = await fetch(`${emu.origin}/__emulator/stats`);
    const text = await res.text();
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain(KEY_B);
    const stats = JSON.parse(text) as ElevenLabsStats;
    expect(stats.keys[maskToken(KEY_A)]).toMatchObject({ key: 'sk_…a1b2', characters: 10, credits: 10 });
    expect(stats.keys[maskToken(KEY_B)]).toMatchObject({ characters: 5, credits: 5 });
    expect(stats.totals.credits).toBe(15);
    expect(stats.unauthorized).toBe(1);
    expect(stats.requests).toMatchObject({
      'POST /v1/text-to-speech/{voice_id}/with-timestamps': 2,
      'POST /v1/text-to-speech/{voice_id}': 1,
    });

    const faults = await fetch(`${emu.origin}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ serverError: { count: 1 } }),
    });
    expect(await faults.json()).toMatchObject({ serverError: { count: 1 } });
    expect(
      await rejection(clientFor(emu, KEY_A).textToSpeech.convertWithTimestamps(RACHEL, { text: 'x' })),
    ).toMatchObject({ statusCode: 500 });
    const bad = await fetch(`${emu.origin}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ nonsense: 1 }),
    });
    expect(bad.status).toBe(422);

    expect((await fetch(`${emu.origin}/__emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emu.stats()).toMatchObject({ keys: {}, unauthorized: 0, syntheses: [] });
    expect(emu.faults()).toEqual({ rateLimit: null, serverError: null, latencyMs: 0 });
  });
});
