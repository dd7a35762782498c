import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../src/temporal/cliPath.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** What the CLI reads on stdin (answers to its questions); stdin is closed after it either way. */
  input?: string;
  /** Working directory (default: the repository), for commands that write next to it. */
  cwd?: string;
}

/**
 * Runs the real `reelflow` CLI with `env` on top of this process's environment, minus everything
 * of the developer's own setup that could leak in (keys, queues, data dir, providers, editor).
 */
export function reelflow(args: string[], env: NodeJS.ProcessEnv, options: CliRunOptions = {}): Promise<CliOutcome> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(REPLICATE_|REELFLOW_|TEMPORAL_|LLM_|ELEVENLABS_|OPENAI_|NARRATION_|DATA_DIR|RENDER_|VISUAL$|EDITOR$)/.test(
          name,
        ),
    ),
  );
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/reelflow.js'), ...args],
      { cwd: options.cwd ?? REPO_ROOT, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    // An open stdin nobody writes to would leave a question waiting forever.
    child.stdin?.end(options.input ?? '');
  });
}
