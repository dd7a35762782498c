/**
 * The verifiers every commit needs (src/media/verify.ts), fed real files from the real tools and
 * the same files cut short: a whole file passes, every truncation is refused as IncompleteAssetError.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadWhileHeartbeating } from '../src/activities/replicate.js';
import { verifyImage, verifyNarration, verifyVideo, wavLayout } from '../src/media/verify.js';
import { createEspeakProvider } from '../src/providers/espeak.js';
import { createOfflineArtProvider } from '../src/providers/offlineArt.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { tools } from './support/temporal.js';

const exec = promisify(execFile);
const TEXT = 'The fox woke up early and ran all the way down to the river. The water was cold, so it slept in the sun.';
const signal = new AbortController().signal;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reelflow-integrity-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes `data` as a new file in the temp dir and returns its path. */
async function file(name: string, data: Buffer): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, data);
  return target;
}

const refused = (why: RegExp) => ({ name: 'IncompleteAssetError', message: expect.stringMatching(why) });

describe('fault: a truncated narration WAV was committed', () => {
  const verify = verifyNarration(tools, { text: TEXT });
  let whole: Buffer;

  beforeAll(async () => {
    const out = path.join(dir, 'narration.wav');
    await createEspeakProvider({ espeakPath: tools.espeak }).synthesize({
      text: TEXT,
      voice: 'en-us',
      language: 'en',
      outPath: out,
      signal,
    });
    whole = await readFile(out);
  });

  it('the provider (espeak-ng on stdout, written by Node) leaves header sizes that match the file, and it passes', async () => {
    const wav = wavLayout(whole);
    expect(wav.riffSize + 8).toBe(whole.length);
    expect(wav.dataOffset + 8 + wav.dataSize).toBe(whole.length);
    await expect(verify(await file('whole.wav', whole))).resolves.toBeUndefined();
  });

  it('refuses a clip cut to 65,536 bytes whose header sizes were made to match (espeak-ng -w on a full disk)', async () => {
    const cut = Buffer.from(whole.subarray(0, 65_536));
    const wav = wavLayout(cut);
    cut.writeUInt32LE(cut.length - 8, 4);
    cut.writeUInt32LE(cut.length - wav.dataOffset - 8, wav.dataOffset + 4);
    await expect(verify(await file('consistent-cut.wav', cut))).rejects.toMatchObject(
      refused(/lasts 1\.\d+ s, less than the \d+\.\d+ s its text needs/),
    );
  });

  it('refuses a clip cut short with its original header', async () => {
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    await expect(verify(await file('cut.wav', cut))).rejects.toMatchObject(refused(/header promises/));
  });

  it('refuses a file that is not a WAV at all', async () => {
    await expect(verify(await file('empty.wav', Buffer.alloc(0)))).rejects.toMatchObject(refused(/not a WAV/));
  });
});

describe('fault: a truncated image was committed', () => {
  const verify = verifyImage(tools);
  let png: Buffer;

  beforeAll(async () => {
    const out = path.join(dir, 'art.png');
    await createOfflineArtProvider().generate({
      prompt: 'a fox by the river',
      width: 270,
      height: 480,
      outPath: out,
      signal,
    });
    png = await readFile(out);
  });

  /** PNG chunks as [type, offset, data length]. */
  function chunks(data: Buffer): [string, number, number][] {
    const found: [string, number, number][] = [];
    for (let at = 8; at < data.length; at += 12 + data.readUInt32BE(at)) {
      found.push([data.toString('latin1', at + 4, at + 8), at, data.readUInt32BE(at)]);
    }
    return found;
  }

  it('accepts the whole offline-art PNG', async () => {
    await expect(verify(await file('whole.png', png))).resolves.toBeUndefined();
  });

  it('refuses a PNG cut in half', async () => {
    const cut = png.subarray(0, Math.floor(png.length / 2));
    await expect(verify(await file('half.png', cut))).rejects.toMatchObject(refused(/runs past the end/));
  });

  it('refuses a PNG cut just before its IEND chunk', async () => {
    const iend = chunks(png).find(([type]) => type === 'IEND')!;
    await expect(verify(await file('no-iend.png', png.subarray(0, iend[1])))).rejects.toMatchObject(
      refused(/before its IEND/),
    );
  });

  it('refuses a PNG whose image data stops early though every chunk length adds up (only a decode sees it)', async () => {
    const all = chunks(png);
    const idats = all.filter(([type]) => type === 'IDAT');
    const [, firstIdat] = idats[0]!;
    const [, lastIdat, lastLength] = idats.at(-1)!;
    // Keep the header chunks and the first half of the image data, then a proper IEND.
    const data = Buffer.concat(idats.map(([, at, length]) => png.subarray(at + 8, at + 8 + length)));
    const half = data.subarray(0, Math.floor(data.length / 2));
    const idat = Buffer.alloc(12 + half.length);
    idat.writeUInt32BE(half.length, 0);
    idat.write('IDAT', 4, 'latin1');
    half.copy(idat, 8);
    idat.writeUInt32BE(crc32(idat.subarray(4, 8 + half.length)), 8 + half.length);
    const cut = Buffer.concat([png.subarray(0, firstIdat), idat, png.subarray(lastIdat + 12 + lastLength)]);
    expect(chunks(cut).map(([type]) => type)).toContain('IEND');
    await expect(verify(await file('short-data.png', cut))).rejects.toMatchObject(refused(/does not decode/));
  });

  it('refuses a JPEG (a Replicate output) cut short, accepts it whole', async () => {
    const out = path.join(dir, 'photo.jpg');
    await exec(tools.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', out]);
    const jpeg = await readFile(out);
    await expect(verify(out)).resolves.toBeUndefined();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    await expect(verify(await file('cut.jpg', cut))).rejects.toMatchObject(refused(/EOI/));
  });

  it('refuses a file whose length is not the Content-Length of its download', async () => {
    const whole = await file('download.png', png);
    await expect(verifyImage(tools, { expectedBytes: png.length + 1 })(whole)).rejects.toMatchObject(
      refused(/bytes reached the disk/),
    );
    await expect(verifyImage(tools, { expectedBytes: png.length })(whole)).resolves.toBeUndefined();
  });
});

describe('fault: a truncated Replicate download was committed', () => {
  const routes: Record<string, (res: ServerResponse) => void> = {};
  const server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) route(res);
    else res.writeHead(404).end();
  });
  const checkpoint = { predictionId: 'p1', keyIndex: 1, keyFingerprint: 'f' };
  const run = typedRunner(new MockActivityEnvironment());
  let base: string;
  let png: Buffer;
  let storage: LocalStorage;

  beforeAll(async () => {
    const out = path.join(dir, 'download-source.png');
    await createOfflineArtProvider().generate({ prompt: 'a heron', width: 270, height: 480, outPath: out, signal });
    png = await readFile(out);
    storage = new LocalStorage(await mkdtemp(path.join(dir, 'data-')));
    routes['/whole.png'] = (res) => res.writeHead(200, { 'content-length': png.length }).end(png);
    // Promises every byte, sends half, then the connection drops.
    routes['/dropped.png'] = (res) => {
      res.writeHead(200, { 'content-length': png.length });
      res.write(png.subarray(0, png.length >> 1), () => res.destroy());
    };
    // A cut-off file served honestly (Content-Length matches): only the image check sees it.
    routes['/cut.png'] = (res) => {
      const cut = png.subarray(0, png.length - 12);
      res.writeHead(200, { 'content-length': cut.length }).end(cut);
    };
    // No Content-Length at all (chunked), cut in half.
    routes['/chunked.png'] = (res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write(png.subarray(0, png.length >> 1));
      res.end();
    };
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const download = (name: string, ref: string) =>
    run(downloadWhileHeartbeating, `${base}/${name}`, { storage, tools }, ref, checkpoint);

  it('commits a whole download byte for byte', async () => {
    await download('whole.png', 'batches/b/0/whole.png');
    expect((await storage.read('batches/b/0/whole.png')).equals(png)).toBe(true);
  });

  for (const [name, why] of [
    ['dropped.png', /failed: /],
    ['cut.png', /before its IEND/],
    ['chunked.png', /runs past the end|before its IEND/],
  ] as const) {
    it(`refuses ${name} as retryable ReplicateUnavailable and commits nothing`, async () => {
      const ref = `batches/b/1/${name}`;
      await expect(download(name, ref)).rejects.toMatchObject({
        type: 'ReplicateUnavailable',
        nonRetryable: false,
        message: expect.stringMatching(why),
      });
      expect(await storage.exists(ref)).toBe(false);
      expect(await readdir(path.dirname(storage.localPath(ref)))).toEqual([]);
    });
  }
});

describe('fault: a truncated video was committed', () => {
  const expected = { durationSec: 3, fps: 30 };
  const verify = verifyVideo(tools, expected);
  let mp4: Buffer;

  /** Encodes like the renderer does (H.264 + AAC, +faststart), so the index sits before the data. */
  async function encode(name: string, withAudio = true): Promise<Buffer> {
    const out = path.join(dir, name);
    const audio = withAudio ? ['-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000'] : [];
    const audioCodec = withAudio ? ['-c:a', 'aac', '-b:a', '160k'] : [];
    await exec(tools.ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=270x480:r=30',
      ...audio,
      '-t',
      '3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      ...audioCodec,
      '-movflags',
      '+faststart',
      out,
    ]);
    return readFile(out);
  }

  /** Top-level MP4 boxes as [type, offset, size]. */
  function boxes(data: Buffer): [string, number, number][] {
    const found: [string, number, number][] = [];
    for (let at = 0; at + 8 <= data.length; at += data.readUInt32BE(at)) {
      found.push([data.toString('latin1', at + 4, at + 8), at, data.readUInt32BE(at)]);
    }
    return found;
  }

  beforeAll(async () => {
    mp4 = await encode('whole.mp4');
  });

  it('accepts the whole video', async () => {
    expect(boxes(mp4).map(([type]) => type)).toEqual(expect.arrayContaining(['moov', 'mdat']));
    await expect(verify(await file('whole-copy.mp4', mp4))).resolves.toBeUndefined();
  });

  it('refuses a video cut at 70 %', async () => {
    const cut = mp4.subarray(0, Math.floor(mp4.length * 0.7));
    await expect(verify(await file('cut.mp4', cut))).rejects.toMatchObject(refused(/mdat box runs past the end/));
  });

  it('refuses a cut video whose mdat size was made to match the file (only reading the packets sees it)', async () => {
    const cut = Buffer.from(mp4.subarray(0, Math.floor(mp4.length * 0.7)));
    const [, at] = boxes(mp4).find(([type]) => type === 'mdat')!;
    cut.writeUInt32BE(cut.length - at, at);
    await expect(verify(await file('consistent-cut.mp4', cut))).rejects.toMatchObject(
      refused(/does not read to its end|packets can be read/),
    );
  });

  it('refuses a whole video that is shorter than the timeline', async () => {
    const longer = verifyVideo(tools, { ...expected, durationSec: 4 });
    await expect(longer(await file('short.mp4', mp4))).rejects.toMatchObject(refused(/lasts 3\.\d+ s instead of 4/));
  });

  it('refuses a video without its audio stream', async () => {
    const silent = await encode('silent.mp4', false);
    await expect(verify(await file('silent-copy.mp4', silent))).rejects.toMatchObject(refused(/no audio stream/));
  });
});

/** CRC-32 as PNG uses it (zlib.crc32 needs a newer Node than we support). */
function crc32(data: Buffer): number {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
