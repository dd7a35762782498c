import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FfmpegError } from '../src/media/ffmpeg.js';
import { IncompleteAssetError, LocalStorage, expectBytes, isNoSpace } from '../src/storage/index.js';
import { tempDataDir } from './support/temporal.js';

let dataDir: string;
let storage: LocalStorage;

beforeEach(async () => {
  dataDir = await tempDataDir();
  storage = new LocalStorage(dataDir);
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const refuse = async () => {
  throw new IncompleteAssetError('cut short');
};

describe('a staged commit needs a verification', () => {
  it('commits what the verifier accepts', async () => {
    const staged = await storage.stage('runs/r/a.bin');
    await writeFile(staged.tempPath, 'hello');
    await staged.commit(expectBytes(5));
    expect((await storage.read('runs/r/a.bin')).toString()).toBe('hello');
    expect(await readdir(path.join(dataDir, 'runs/r'))).toEqual(['a.bin']);
  });

  it('refuses what the verifier rejects: nothing under the final key', async () => {
    const staged = await storage.stage('runs/r/a.bin');
    await writeFile(staged.tempPath, 'hel');
    await expect(staged.commit(expectBytes(5))).rejects.toThrow('3 of 5 bytes reached the disk');
    await staged.discard();
    expect(await storage.exists('runs/r/a.bin')).toBe(false);
    expect(await readdir(path.join(dataDir, 'runs/r'))).toEqual([]);
  });

  it('put and writeStream discard a copy that fails its verification', async () => {
    await expect(storage.put('runs/r/p.bin', (tmp) => writeFile(tmp, 'x'), refuse)).rejects.toThrow('cut short');
    await expect(storage.writeStream('runs/r/s.bin', Readable.from([Buffer.from('abc')]), refuse)).rejects.toThrow(
      'cut short',
    );
    expect(await readdir(path.join(dataDir, 'runs/r'))).toEqual([]);
  });
});

describe('fault: a worker killed mid-render leaves short.partial-<pid>-<ts>.mp4 forever', () => {
  it('staging a key removes the stale partial files of that key, and only those', async () => {
    const dir = path.join(dataDir, 'runs/r');
    await mkdir(dir, { recursive: true });
    const stale = ['short.partial-424242-1700000000000.mp4', 'short.partial-7-1700000000001-3.mp4'];
    const others = [
      'captions.partial-424242-1700000000000.ass',
      'short.partial-424242-1700000000000.mkv',
      'short.mp4.bak',
    ];
    for (const name of [...stale, ...others]) await writeFile(path.join(dir, name), 'x');

    const live = await storage.stage('runs/r/short.mp4'); // this process, still writing
    await writeFile(live.tempPath, 'in progress');
    const retry = await storage.stage('runs/r/short.mp4');

    const left = await readdir(dir);
    for (const name of stale) expect(left).not.toContain(name);
    for (const name of others) expect(left).toContain(name);
    expect(left).toContain(path.basename(live.tempPath));
    await live.discard();
    await retry.discard();
  });
});

describe('isNoSpace', () => {
  it('recognises a full disk from an errno, a tool message or a cause, and nothing else', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(isNoSpace(enospc)).toBe(true);
    expect(isNoSpace(new FfmpegError('ffmpeg failed: av_interleaved_write_frame(): No space left on device', ''))).toBe(
      true,
    );
    expect(isNoSpace(new Error('copy failed', { cause: enospc }))).toBe(true);
    expect(isNoSpace(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))).toBe(false);
    expect(isNoSpace(new FfmpegError('ffmpeg failed: Invalid data found when processing input', ''))).toBe(false);
  });
});
