import { spawn } from 'node:child_process';
import { CliError } from '../errors.js';

/** `$VISUAL`, then `$EDITOR`, then vi: what git and crontab use. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

/**
 * Opens `file` in the person's editor and resolves once it exits cleanly. The command goes through
 * the shell, as git does, so `EDITOR="code --wait"` works; the file is passed as `$1`, never pasted
 * into the command line. The editor's output goes to stderr, keeping stdout for the result, and it
 * reads the terminal only when there is one.
 */
export function openInEditor(file: string, options: { terminal: boolean }): Promise<void> {
  const editor = editorCommand();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'editor', file], {
      stdio: [options.terminal ? 'inherit' : 'ignore', 2, 2],
    });
    child.on('error', (err) =>
      reject(new CliError(`Cannot start the editor "${editor}": ${err.message}`, 'Set VISUAL or EDITOR.')),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new CliError(
          `The editor "${editor}" exited with ${signal ?? `code ${code}`}`,
          code === 127 ? 'Set VISUAL or EDITOR to an editor that is installed.' : undefined,
        ),
      );
    });
  });
}
