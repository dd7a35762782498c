import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../src/temporal/cliPath.js';
import { type PoolFixture, startPoolFixture } from './support/replicate.js';
import { type RunningWorkers, startTestWorkers, tempDataDir } from './support/temporal.js';

/**
 * `reelflow batch` as a person runs it: the real CLI in its own process, against a running worker
 * set with Replicate keys (the emulator's) on this file's task queue, sharing its DATA_DIR.
 */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BIN = path.join(REPO_ROOT, 'bin/reelflow.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

let pool: PoolFixture;
let workers: RunningWorkers;
let tmp: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  pool = await startPoolFixture(2, 2);
  workers = await startTestWorkers({ replicate: pool.replicate });
  tmp = await tempDataDir();
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: workers.taskQueue,
    DATA_DIR: workers.dataDir,
    REPLICATE_BASE_URL: pool.emulator.url,
    REPLICATE_KEY_CONCURRENCY: '2',
    ...Object.fromEntries(pool.tokens.map((t, i) => [`REPLICATE_API_TOKEN_${i + 1}`, t])),
  };
});

afterAll(async () => {
  await workers?.stop();
  await pool?.emulator.close();
});

/** The environment without any Replicate settings of the machine running the tests, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPLICATE_')));
  return { ...base, ...extra };
}

function reelflow(args: string[], extra: NodeJS.ProcessEnv = env, cwd = REPO_ROOT): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cleanEnv(extra), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function tasksFile(content: unknown): Promise<string> {
  const file = path.join(tmp, `tasks-${randomUUID()}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function expectPng(file: string): Promise<void> {
  expect((await readFile(file)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
}

interface BatchJson {
  id: string;
  status: string;
  summary: string;
  outDir?: string;
  successful_results: {
    task_index: number;
    prompt: string;
    output_filename: string;
    generated_files: { filename: string; path?: string; url?: string }[];
  }[];
  failed_results: unknown[];
  webUiUrl: string;
}

describe('reelflow batch', () => {
  let batchId: string;

  it('runs the batch tool’s tasks file, copies the images under their names and prints one JSON object', async () => {
    const file = await tasksFile({
      tasks: [
        { prompt: 'A red car', output_filename: 'red_car.jpg' },
        { prompt: 'A blue house', output_filename: 'blue_house' },
        { prompt: 'A green tree' },
        { prompt: 'A yellow boat' },
      ],
    });
    const out = path.join(tmp, 'out-json');

    const result = await reelflow(['batch', '--file', file, '--out', out, '--json']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(result.stdout) as BatchJson;
    batchId = json.id;
    expect(json).toMatchObject({
      status: 'completed',
      summary: '4 successful, 0 failed',
      outDir: out,
      failed_results: [],
    });
    expect(json.id).toMatch(/^batch-4tasks-/);
    expect(json.webUiUrl).toContain(`/workflows/${json.id}`);
    // Two tasks without output_filename both make image.png: the later one gets its task index in front.
    expect(json.successful_results.map((r) => r.generated_files)).toEqual([
      [{ filename: 'red_car.png', path: path.join(out, 'red_car.png') }],
      [{ filename: 'blue_house.png', path: path.join(out, 'blue_house.png') }],
      [{ filename: 'image.png', path: path.join(out, 'image.png') }],
      [{ filename: 'image.png', path: path.join(out, '3_image.png') }],
    ]);
    expect((await readdir(out)).sort()).toEqual(['3_image.png', 'blue_house.png', 'image.png', 'red_car.png']);
    for (const name of await readdir(out)) await expectPng(path.join(out, name));
    expect(result.stderr).toContain(`Started ${json.id}`);
    expect(result.stderr).toContain('4/4 done · 0 failed');
  });

  it('takes a bare list, writes to ./out/<id>/ by default and prints the summary and the Web UI link', async () => {
    const cwd = path.join(tmp, `cwd-${randomUUID()}`);
    await mkdir(cwd);
    const file = await tasksFile([
      { prompt: 'Two foxes', output_filename: 'fox.png' },
      { prompt: 'An owl', output_filename: 'owl' },
    ]);

    const result = await reelflow(['batch', '--file', file, '--model', 'black-forest-labs/flux-schnell'], env, cwd);

    expect(result.code, result.stderr).toBe(0);
    const id = /Started (batch-2tasks-[a-z0-9]+)/.exec(result.stderr)?.[1];
    expect(id).toBeDefined();
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`✓ 2 successful, 0 failed · 2 files in out/${id}`);
    expect(result.stdout).toMatch(new RegExp(`Web UI\\s+http://\\S+/workflows/${id}`));
    const out = path.join(cwd, 'out', id!);
    expect((await readdir(out)).sort()).toEqual(['fox.png', 'owl.png']);
    await expectPng(path.join(out, 'fox.png'));
  });

  it("--no-download keeps Replicate's URLs and writes nothing", async () => {
    const file = await tasksFile({ tasks: [{ prompt: 'A red car', output_filename: 'red_car.jpg' }] });
    const out = path.join(tmp, 'out-urls');

    const result = await reelflow(['batch', '--file', file, '--out', out, '--no-download', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as BatchJson;
    expect(json.outDir).toBeUndefined();
    const [generated] = json.successful_results[0]!.generated_files;
    expect(generated!.filename).toBe('red_car.png');
    expect(generated!.url!.startsWith(`${pool.emulator.origin}/files/`)).toBe(true);
    await expect(access(out)).rejects.toThrow();
  });

  it('exit 1 when a task failed, still copying the others and naming the failure', async () => {
    pool.emulator.setFaults({ modelErrorInputIncludes: 'CURSED' });
    try {
      const file = await tasksFile([
        { prompt: 'A calm lake', output_filename: 'lake' },
        { prompt: 'A CURSED painting' },
      ]);
      const out = path.join(tmp, 'out-partial');

      const result = await reelflow(['batch', '--file', file, '--out', out]);

      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/^✗ 1 successful, 1 failed · 1 file in /);
      expect(result.stdout).toMatch(/failed {6}task 1 “A CURSED painting”: PredictionFailed: .*ValueError/);
      expect(result.stderr).toContain('2/2 done · 1 failed');
      expect(await readdir(out)).toEqual(['lake.png']);
    } finally {
      pool.emulator.setFaults({}, 'replace');
    }
  });

  it('reelflow batch status <id> shows the finished batch', async () => {
    expect(batchId).toBeDefined();
    const text = await reelflow(['batch', 'status', batchId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${batchId}: completed · 4/4 done · 0 failed\\n`));
    expect(text.stdout).toContain('4 successful, 0 failed');

    const json = await reelflow(['batch', 'status', batchId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: batchId, status: 'completed' });

    // The generic status command reads a batch as a batch, not as a short.
    const generic = await reelflow(['status', batchId]);
    expect(generic.code, generic.stderr).toBe(0);
    expect(generic.stdout).toMatch(new RegExp(`^${batchId}: completed · 4/4 done · 0 failed\\n`));

    const unknown = await reelflow(['batch', 'status', `batch-unknown-${randomUUID()}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^reelflow: No batch with id "batch-unknown-/);
  });
});

describe('reelflow batch refuses bad input before starting anything', () => {
  it('exit 2 for a missing --file, a file that is not JSON, an empty or oversized task list', async () => {
    const missing = await reelflow(['batch']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--file <tasks.json> is required');

    const notJson = await reelflow(['batch', '--file', await tasksFile('{"tasks": [')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/is not valid JSON/);

    const empty = await reelflow(['batch', '--file', await tasksFile({ tasks: [] })]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('tasks: tasks must hold at least one task');

    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ prompt: `p${i}` }));
    const big = await reelflow(['batch', '--file', await tasksFile(tooMany)]);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('tasks must hold at most 1000 tasks');

    const badModel = await reelflow(['batch', '--file', await tasksFile([{ prompt: 'x' }]), '--model', 'nope']);
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/model.*owner\/name/);
  });

  it('exit 1 naming REPLICATE_API_TOKEN when no keys are configured', async () => {
    const { TEMPORAL_ADDRESS, DATA_DIR, REELFLOW_TASK_QUEUE } = env;
    const result = await reelflow(['batch', '--file', await tasksFile([{ prompt: 'x' }])], {
      TEMPORAL_ADDRESS,
      DATA_DIR,
      REELFLOW_TASK_QUEUE,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no Replicate keys are configured.*REPLICATE_API_TOKEN/);
  });
});
