import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../src/temporal/cliPath.js';
import { probe } from './support/media.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

const STORY = 'A small fox woke up in the forest. It ran to the river to catch a fish.';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and reports how it ended; never rejects. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The real CLI as a person runs it, isolated on its own task queue and data directory. */
function reelflow(args: string[], env: { taskQueue: string; dataDir: string }): Promise<Outcome> {
  return run(process.execPath, ['bin/reelflow.js', ...args], {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: env.taskQueue,
    DATA_DIR: env.dataDir,
    RENDER_PRESET: 'ultrafast',
  });
}

let client: Client;

beforeAll(async () => {
  client = await connectTestClient();
});

afterAll(async () => {
  await client?.connection.close();
});

describe('reelflow make / status', () => {
  const env = { taskQueue: `cli-${randomUUID()}`, dataDir: '' };
  let made: Record<string, unknown>;

  beforeAll(async () => {
    env.dataDir = await tempDataDir();
  });

  it('makes a square short with its own in-process worker and prints one JSON object', async () => {
    const out = path.join(env.dataDir, 'out', 'x.mp4');
    const result = await reelflow(
      ['make', '--story', STORY, '--scenes', '2', '--aspect', '1:1', '--out', out, '--json'],
      env,
    );

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('running one in this process');
    made = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(made).toMatchObject({ output: out, width: 1080, height: 1080, offline: true });
    expect(Object.keys(made).sort()).toEqual(
      [
        'cost',
        'durationSec',
        'height',
        'id',
        'offline',
        'output',
        'plan',
        'providers',
        'sizeBytes',
        'soundtrack',
        'webUiUrl',
        'width',
      ].sort(),
    );
    expect(made.webUiUrl).toContain(`/workflows/${String(made.id)}`);
    // Offline art and espeak-ng pay for nothing.
    expect(made.cost).toEqual({ usd: 0, predictions: 0, unpriced: 0 });

    expect(existsSync(out)).toBe(true);
    const info = await probe(out);
    expect(info.streams.find((s) => s.type === 'video')).toMatchObject({ codec: 'h264', width: 1080, height: 1080 });
    expect(info.streams.find((s) => s.type === 'audio')).toBeDefined();
    expect(made.sizeBytes).toBe(info.sizeBytes);
  });

  it('reports the finished short with `status --json`', async () => {
    const result = await reelflow(['status', String(made.id), '--json'], env);

    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as { id: string; status: string; result?: { width: number } };
    expect(status).toMatchObject({ id: made.id, status: 'completed', result: { width: 1080, height: 1080 } });
  });

  it('says clearly when there is no run with that id', async () => {
    const result = await reelflow(['status', 'nope'], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^reelflow: No run with id "nope" \(run ids start with short- or batch-\)\./);
    expect(result.stderr).not.toMatch(/\n\s+at /);

    const unknown = await reelflow(['status', 'short-en-nobody-made-this-x1y2z3'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^reelflow: No short with id "short-en-nobody-made-this-x1y2z3"\./);
  });
});

describe('reelflow usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing --out', ['make', '--story', STORY], /--out <file\.mp4> is required/],
    [
      'both --story and --story-file',
      ['make', '--story', STORY, '--story-file', 'examples/demo-story.txt', '--out', 'x.mp4'],
      /either with --story or with --story-file/,
    ],
    ['too many scenes', ['make', '--story', STORY, '--scenes', '40', '--out', 'x.mp4'], /--scenes must be at most 12/],
    [
      'an unknown transition',
      ['make', '--story', STORY, '--transition', 'spin', '--out', 'x.mp4'],
      /--transition must be one of crossfade/,
    ],
    [
      'a bad model name',
      ['make', '--story', STORY, '--model', 'flux', '--out', 'x.mp4'],
      /--model: model must look like owner\/name/,
    ],
  ];

  it.each(cases)('rejects %s with exit code 2 and starts nothing', async (_name, args, message) => {
    const env = { taskQueue: `cli-usage-${randomUUID()}`, dataDir: await tempDataDir() };
    const result = await reelflow(args, env);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Run `reelflow make --help` for usage.');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing started: no worker wrote to the data directory, no run exists on the queue.
    expect(await readdir(env.dataDir)).toEqual([]);
    expect((await client.workflow.count(`TaskQueue="${env.taskQueue}"`)).count).toBe(0);
  });
});

describe('the plain temporal CLI (as the README documents it)', () => {
  let workers: RunningWorkers;
  const temporal = (args: string[]) =>
    run(inject('temporalCliPath'), [...args, '--address', inject('temporalAddress')]);
  const input = JSON.stringify({ story: STORY, sceneCount: 2, aspect: '1:1' });

  beforeAll(async () => {
    workers = await startTestWorkers();
  });

  afterAll(async () => {
    await workers?.stop();
  });

  function start(workflowId: string): Promise<Outcome> {
    return temporal([
      'workflow',
      'start',
      '--task-queue',
      workers.taskQueue,
      '--type',
      'shortVideo',
      '--workflow-id',
      workflowId,
      '--input',
      input,
    ]);
  }

  it('starts a short with `temporal workflow start` and waits with `temporal workflow result`', async () => {
    const workflowId = `cli-temporal-${randomUUID()}`;
    expect((await start(workflowId)).code).toBe(0);

    const waited = await temporal(['workflow', 'result', '--workflow-id', workflowId]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('COMPLETED');

    const result = (await client.workflow.getHandle(workflowId).result()) as {
      width: number;
      height: number;
      videoPath: string;
    };
    expect(result).toMatchObject({ width: 1080, height: 1080 });
    expect(existsSync(result.videoPath)).toBe(true);
  });

  it('cancels a short with `temporal workflow cancel`', async () => {
    const workflowId = `cli-temporal-cancel-${randomUUID()}`;
    expect((await start(workflowId)).code).toBe(0);

    const cancelled = await temporal(['workflow', 'cancel', '--workflow-id', workflowId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);

    const handle = client.workflow.getHandle(workflowId);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });
});
