/**
 * `reelflow image` as a user runs it: a real CLI process against a worker on its own queue and the
 * Replicate emulator. An upscale of a file is saved where -o says, four times the size; a file that
 * is not a picture is refused with the API's message and no prediction.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../src/temporal/cliPath.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, startTestWorkers, tempDataDir } from './support/temporal.js';

const BIN = path.join(REPO_ROOT, 'bin/reelflow.js');
let pool: PoolFixture;
let workers: RunningWorkers;
let tmp: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  pool = await startPoolFixture(1, 2);
  workers = await startTestWorkers({ replicate: pool.replicate });
  tmp = await tempDataDir();
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPLICATE_')));
  env = {
    ...base,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: workers.taskQueue,
    DATA_DIR: workers.dataDir,
    REPLICATE_BASE_URL: pool.emulator.url,
    REPLICATE_KEY_CONCURRENCY: '2',
    REPLICATE_API_TOKEN_1: pool.tokens[0]!,
  };
});

afterAll(async () => {
  await workers?.stop();
  await pool?.emulator.close();
});

function reelflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: tmp, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('reelflow image', () => {
  it('upscales a file 4× with face enhancement and saves it where -o says', async () => {
    const input = path.join(tmp, 'portrait.jpg');
    await writeFile(
      input,
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#884422' } })
        .jpeg()
        .toBuffer(),
    );
    const out = path.join(tmp, 'portrait-4x.png');
    const res = await reelflow(['image', 'upscale', input, '--scale', '4', '--face-enhance', '-o', out]);
    expect(res.stderr).not.toMatch(/r8_/);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('160×120');
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 160, 120]);
  });

  it('refuses a file that is not a picture, saying why, with no prediction', async () => {
    const before = pool.emulator.stats().totals.created;
    const fake = path.join(tmp, 'fake.png');
    await writeFile(fake, '<html>not a picture</html>');
    const res = await reelflow(['image', 'colorize', fake, '-o', path.join(tmp, 'never.png')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not a PNG, JPEG, WebP or GIF/);
    expect(pool.emulator.stats().totals.created).toBe(before);
    expect((await reelflow(['image', 'sharpen', fake])).code).toBe(2);
  });
});
