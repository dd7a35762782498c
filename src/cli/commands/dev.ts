import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { CliError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { connect, devServerDbFile, ensureTemporal, waitForOwnWorkers } from '../temporalSetup.js';
import { installWorkerRuntime } from '../workerRuntime.js';

const USAGE = `Usage: reelflow dev

Everything on one machine, in one process: a Temporal dev server with its Web UI (unless one
already answers at TEMPORAL_ADDRESS), a worker, and the HTTP API. History is kept in
DATA_DIR/temporal/dev.sqlite, so runs made earlier (also by \`reelflow make\`) stay browsable.
Ctrl-C stops everything.

Options:
  -h, --help   Show this help
`;

export const dev: Command = defineCommand({
  name: 'dev',
  usage: USAGE,
  options: {},
  positionals: [],
  async run({ config: loadConfig }) {
    const config = loadConfig();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const interrupt = onInterrupt('stopping the API, the worker and the dev server…');
    const server = await ensureTemporal(config, log);
    const stopAll = new AbortController();
    const abort = () => stopAll.abort();
    interrupt.signal.addEventListener('abort', abort, { once: true });
    const client = await connect(config).catch(async (err: unknown) => {
      await server?.stop();
      throw err;
    });
    const parts: Promise<unknown>[] = [];
    let failure: unknown;
    // One part ending (or failing) stops the others: a half-running dev stack would hide the problem.
    const watch = (name: string, running: Promise<void>) => {
      const settled = running.then(
        () => {
          if (!stopAll.signal.aborted) failure ??= new CliError(`The ${name} stopped unexpectedly.`);
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      parts.push(settled.finally(abort));
    };
    try {
      await installWorkerRuntime(config.logLevel);
      const [{ runWorkerProcess }, { serveApi }] = await Promise.all([
        import('../../worker/main.js'),
        import('../../api/server.js'),
      ]);
      watch('worker', runWorkerProcess(config, stopAll.signal));
      const listening = new Promise<string>((resolve) => {
        watch('API', serveApi(config, { client, signal: stopAll.signal, onListening: resolve }));
      });
      const url = await Promise.race([listening, aborted(stopAll.signal)]);
      await waitForOwnWorkers(client, config, { signal: stopAll.signal, failure: () => failure });
      if (url && !stopAll.signal.aborted) {
        process.stdout.write(
          [
            'reelflow dev is running:',
            `  Temporal Web UI  ${config.temporal.uiUrl}`,
            `  HTTP API         ${url}`,
            `  Temporal         ${config.temporal.address}${server ? ` (dev server started here; history in ${devServerDbFile(config)})` : ' (already running)'}`,
            `  Task queues      ${config.taskQueue}, ${config.renderTaskQueue}`,
            'Make a short from another terminal: reelflow make --story-file examples/demo-story.txt --out out/demo.mp4',
            'Press Ctrl-C to stop everything.',
            '',
          ].join('\n'),
        );
      }
      await aborted(stopAll.signal);
      await Promise.all(parts);
      if (failure) throw failure;
      process.stderr.write('reelflow dev: stopped.\n');
      return 0;
    } finally {
      abort();
      await Promise.all(parts);
      interrupt.dispose();
      await client.connection.close();
      await server?.stop();
    }
  },
});

/** Resolves (with nothing) once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
}
