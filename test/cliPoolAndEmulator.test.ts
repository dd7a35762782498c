import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PoolStatus } from '../src/client/pool.js';
import { REPO_ROOT } from '../src/temporal/cliPath.js';
import { testToken } from './support/replicate.js';
import { tempDataDir } from './support/temporal.js';

/** `reelflow pool` and `reelflow emulator` as a person runs them. */
const TOKENS = [1, 2, 3].map(testToken);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without any Replicate settings of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPLICATE_')));
  return { ...env, ...extra };
}

function reelflow(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/reelflow.js', ...args],
      { cwd: REPO_ROOT, env: cleanEnv(env) },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

function expectNoToken(text: string): void {
  for (const token of TOKENS) expect(text).not.toContain(token);
}

describe('reelflow pool', () => {
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const dataDir = await tempDataDir();
    await mkdir(path.join(dataDir, 'pool'), { recursive: true });
    const now = new Date().toISOString();
    await writeFile(
      path.join(dataDir, 'pool', 'key-1.json'),
      JSON.stringify({
        index: 1,
        key: `r8_…${TOKENS[0]!.slice(-4)}`,
        limit: 4,
        inFlight: 2,
        completed: 9,
        failed: 1,
        lastError: { type: 'ReplicateRateLimited', message: `429 for ${TOKENS[0]}`, at: now },
        servedBy: '4242@test-host',
        updatedAt: now,
      }),
    );
    env = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      REELFLOW_TASK_QUEUE: `cli-pool-${randomUUID()}`,
      REPLICATE_API_TOKEN_1: TOKENS[0],
      REPLICATE_API_TOKEN_2: TOKENS[1],
      REPLICATE_API_TOKEN_3: TOKENS[2],
    };
  });

  it('prints the pool as JSON with masked keys only', async () => {
    const result = await reelflow(['pool', '--json'], env);

    expect(result.code, result.stderr).toBe(0);
    expectNoToken(result.stdout + result.stderr);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const status = JSON.parse(result.stdout) as PoolStatus;
    expect(status).toMatchObject({
      configured: true,
      temporal: 'up',
      totals: { limit: 14, inFlight: 2, completed: 9, failed: 1 },
    });
    expect(status.keys.map((k) => k.key)).toEqual(TOKENS.map((t) => `r8_…${t.slice(-4)}`));
    // Nobody polls this test's queue: the stats of #1 are a stopped worker's, the others never ran.
    expect(status.keys.map((k) => [k.index, k.health, k.polling])).toEqual([
      [1, 'degraded', false],
      [2, 'not-served', false],
      [3, 'not-served', false],
    ]);
    expect(status.keys[0]!.lastError!.message).toBe(`429 for ${status.keys[0]!.key}`);
  });

  it('prints a table, and works without Temporal', async () => {
    const result = await reelflow(['pool'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' });

    expect(result.code, result.stderr).toBe(0);
    expectNoToken(result.stdout + result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Replicate pool: 3 keys at https:\/\/api\.replicate\.com\/v1 \(Temporal did not answer/);
    expect(lines[1]).toMatch(/KEY\s+LIMIT\s+IN FLIGHT\s+COMPLETED\s+FAILED\s+HEALTH\s+LAST ERROR/);
    expect(lines[2]).toMatch(
      /^ {2}#1 r8_…k001\s+4\s+2\s+9\s+1\s+degraded\s+ReplicateRateLimited \d+ s ago: 429 for r8_…k001$/,
    );
    expect(lines[3]).toMatch(/^ {2}#2 r8_…k002\s+5\s+0\s+0\s+0\s+not-served$/);
    expect(lines[5]).toMatch(/^ {2}total\s+14\s+2\s+9\s+1$/);
  });

  it('says so when no keys are configured', async () => {
    const result = await reelflow(['pool'], { DATA_DIR: env.DATA_DIR, TEMPORAL_ADDRESS: '127.0.0.1:1' });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Replicate pool: no keys configured/);
    const json = await reelflow(['pool', '--json'], { DATA_DIR: env.DATA_DIR, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(JSON.parse(json.stdout)).toMatchObject({ configured: false, keys: [] });
  });

  it('rejects unknown flags as a usage error', async () => {
    const result = await reelflow(['pool', '--yaml'], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Run `reelflow pool --help` for usage.');
  });
});

describe('reelflow emulator', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('prints its URL, answers 401 to an unknown token, and stops on Ctrl-C', async () => {
    child = spawn(
      process.execPath,
      ['bin/reelflow.js', 'emulator', '--port', '0', '--latency', '0.1', '--tokens', TOKENS[0]!],
      {
        cwd: REPO_ROOT,
        env: cleanEnv({}),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child!.stdout! });
      lines.once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`emulator exited (${code}) before printing its URL: ${stderr}`)));
    });

    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const url = firstLine;
    const unknown = await fetch(`${url}/predictions/abc`, {
      headers: { authorization: 'Bearer r8_not_a_known_token_at_all' },
    });
    expect(unknown.status).toBe(401);
    const known = await fetch(`${url}/predictions/abc`, { headers: { authorization: `Bearer ${TOKENS[0]}` } });
    expect(known.status).toBe(404);
    await expect.poll(() => stderr).toContain(`REPLICATE_BASE_URL=${url} REPLICATE_API_TOKEN_1=${TOKENS[0]}`);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopped after 0 predictions/);
  });

  it('rejects a bad number as a usage error', async () => {
    const result = await reelflow(['emulator', '--latency', 'soon'], {});

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--latency: not a number: soon/);
  });
});
