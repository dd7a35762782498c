import { ConfigError } from '../config/index.js';
import {
  IdempotencyConflictError,
  NotAwaitingApprovalError,
  PlanEditRefusedError,
  ProviderUnavailableError,
  RunAlreadyFinishedError,
  RunNotCompletedError,
  RunNotFoundError,
  RunNotRevisableError,
  SceneNotFoundError,
  StoredFileMissingError,
} from '../runs/errors.js';
import { redact } from '../security/redact.js';

/**
 * The CLI's one error vocabulary. Everything a command throws ends up as one line on stderr,
 * `reelflow: <what went wrong>` followed by what to do about it, and an exit code.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Wrong flags or arguments: exit code 2, and nothing has been started. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, command?: string) {
    super(message, `Run \`reelflow ${command ? `${command} ` : ''}--help\` for usage.`, 2);
  }
}

export const EXIT_INTERRUPTED = 130;

export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigError) return new CliError(err.message, 'Fix the variable in your environment or .env.');
  if (err instanceof SceneNotFoundError) {
    return new CliError(err.message, `Pick --scene 1 to ${err.sceneCount}; \`reelflow status ${err.id}\` lists them.`);
  }
  if (err instanceof RunNotRevisableError) return new CliError(err.message, revisableHint(err));
  if (err instanceof RunNotFoundError) {
    return new CliError(err.message, 'Check the id; `temporal workflow list` shows recent runs.');
  }
  if (
    err instanceof IdempotencyConflictError ||
    err instanceof ProviderUnavailableError ||
    err instanceof RunAlreadyFinishedError ||
    err instanceof RunNotCompletedError ||
    err instanceof StoredFileMissingError ||
    err instanceof NotAwaitingApprovalError ||
    err instanceof PlanEditRefusedError
  ) {
    return new CliError(err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (isUnreachable(err, message)) {
    return new CliError(
      `Cannot reach the Temporal server (${message.split('\n')[0]}).`,
      'Start one with `reelflow dev`, or point TEMPORAL_ADDRESS at a running server.',
    );
  }
  return new CliError(message.split('\n')[0] ?? message, 'Run again with REELFLOW_DEBUG=1 for details.');
}

/** What to do instead, by what the short is doing now. */
function revisableHint({ code, id, status }: RunNotRevisableError): string {
  if (code === 'not_completed') {
    return status === 'running'
      ? `Wait until \`reelflow status ${id}\` says completed, then regenerate.`
      : `Make it again first with \`reelflow retry ${id}\`, then regenerate a scene of the new run.`;
  }
  return status === 'running'
    ? `Wait for it to end (\`reelflow status ${id}\`); to start over now, \`reelflow cancel ${id}\` first.`
    : `It has its video; change one scene with \`reelflow regenerate ${id} --scene <n> --prompt "…"\`.`;
}

function isUnreachable(err: unknown, message: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // gRPC status 14 (UNAVAILABLE) and the native bridge's transport errors both mean "no server here".
  return code === 14 || /UNAVAILABLE|ECONNREFUSED|Failed to connect|transport error|DEADLINE_EXCEEDED/i.test(message);
}

/** Prints one line (and a stack only with REELFLOW_DEBUG=1) and returns the exit code. */
export function reportError(err: unknown): number {
  const cliError = toCliError(err);
  const message = /[.!?]$/.test(cliError.message) ? cliError.message : `${cliError.message}.`;
  process.stderr.write(redact(`reelflow: ${message}${cliError.hint ? ` ${cliError.hint}` : ''}\n`));
  if (process.env.REELFLOW_DEBUG === '1' && err instanceof Error && err.stack) {
    process.stderr.write(`${redact(err.stack)}\n`);
  }
  return cliError.exitCode;
}
