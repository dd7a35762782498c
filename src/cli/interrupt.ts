import { EXIT_INTERRUPTED } from './errors.js';

export interface Interrupt {
  /** Aborts on the first SIGINT/SIGTERM; the command then winds down in order. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Turns the first Ctrl-C (or SIGTERM) into an abort the command handles itself, and a second one
 * into an immediate exit, for when a clean shutdown takes longer than a person wants to wait.
 */
export function onInterrupt(firstMessage?: string): Interrupt {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nreelflow: ${signal} again; exiting now.\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    if (firstMessage) process.stderr.write(`\nreelflow: ${firstMessage} (press Ctrl-C again to exit at once)\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
