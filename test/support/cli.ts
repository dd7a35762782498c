import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../../src/temporal/cliPath.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `reelflow` CLI with `env` on top of this process's environment, minus everything
 * of the developer's own setup that could leak in (keys, queues, data dir, providers).
 */
export function reelflow(args: string[], env: NodeJS.ProcessEnv): Promise<CliOutcome> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(REPLICATE_|REELFLOW_|TEMPORAL_|LLM_|ELEVENLABS_|OPENAI_|NARRATION_|DATA_DIR|RENDER_)/.test(name),
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/reelflow.js', ...args],
      { cwd: REPO_ROOT, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
