/**
 * `reelflow worker` as a real child process, for tests that SIGKILL it: the kill takes its Temporal
 * connections and its in-memory key workers down with it, as a crash in production would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject, vi } from 'vitest';
import type { PoolFixture } from './replicate.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface WorkerChild {
  child: ChildProcess;
  output: string[];
}

/** The worker's environment: the fixture's pool and nothing from the developer's own setup. */
export function workerProcessEnv(
  fixture: PoolFixture,
  slots: number,
  taskQueue: string,
  dataDir: string,
): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(REPLICATE_|REELFLOW_|TEMPORAL_|WORKER_|DATA_DIR|RENDER_)/.test(name),
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...base,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    REPLICATE_BASE_URL: fixture.emulator.url,
    REPLICATE_KEY_CONCURRENCY: String(slots),
    RENDER_PRESET: 'ultrafast',
    RENDER_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
  };
  fixture.tokens.forEach((token, i) => (env[`REPLICATE_API_TOKEN_${i + 1}`] = token));
  return env;
}

/** Starts `reelflow worker` and resolves once its workers poll; its log names the pool masked only. */
export async function startReelflowWorker(
  env: NodeJS.ProcessEnv,
  children: WorkerChild[],
  tokens: string[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/reelflow.js'), 'worker'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  children.push({ child, output });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${output.join('')}`);
      expect(output.join(''), 'the worker process to start').toContain('reelflow worker: queues');
    },
    { timeout: 60_000 },
  );
  const log = output.join('');
  expect(log).toContain(`Replicate pool: ${tokens.length} key`);
  for (const token of tokens) expect(log).not.toContain(token);
  return child;
}

export async function killAll(children: WorkerChild[]): Promise<void> {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}
