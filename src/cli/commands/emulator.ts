import {
  EMULATOR_ARG_OPTIONS,
  EMULATOR_OPTIONS_HELP,
  emulatorOptionsFromArgs,
} from '../../emulators/replicate/main.js';
import { startReplicateEmulator } from '../../emulators/replicate/server.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { CliError, UsageError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';

const DEFAULT_PORT = 8790;

const USAGE = `Usage: reelflow emulator [options]

Runs a local Replicate emulator (create by model or version, get, cancel, expiring output files,
per-token accounting, failure injection) so you can develop without real keys or spending money.
Prints the API base URL on the first line of stdout and how to point reelflow at it; Ctrl-C stops it.

Options:
${EMULATOR_OPTIONS_HELP.replace('(default 0 = ephemeral)', `(default ${DEFAULT_PORT}; 0 picks a free port)`)}
  -h, --help              Show this help

Admin endpoints: GET /__emulator/stats, GET|POST /__emulator/faults, POST /__emulator/reset.
`;

export const emulator: Command = defineCommand({
  name: 'emulator',
  usage: USAGE,
  options: EMULATOR_ARG_OPTIONS,
  positionals: [],
  async run({ values }) {
    let options;
    try {
      options = emulatorOptionsFromArgs(values);
    } catch (err) {
      throw new UsageError((err as Error).message, 'emulator');
    }
    options.port ??= DEFAULT_PORT;
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535 (got ${values.port})`, 'emulator');
    }

    const interrupt = onInterrupt();
    try {
      const server = await startReplicateEmulator(options).catch((err: unknown) => {
        const code = (err as { code?: string }).code;
        if (code === 'EADDRINUSE') {
          throw new CliError(
            `Port ${options.port} is already in use.`,
            'Pick another with --port (0 picks a free one).',
          );
        }
        throw err instanceof RangeError ? new UsageError(err.message, 'emulator') : err;
      });
      process.stdout.write(`${server.url}\n`);
      process.stderr.write(howToUse(server.url, server.origin, options.tokens));
      await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
      const stats = server.stats();
      await server.close();
      process.stderr.write(
        `\nreelflow emulator: stopped after ${stats.totals.created} prediction${stats.totals.created === 1 ? '' : 's'}` +
          ` (${stats.totals.succeeded} succeeded, ${stats.totals.failed} failed, ${stats.totals.canceled} cancelled).\n`,
      );
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
});

function howToUse(url: string, origin: string, tokens: readonly string[] | undefined): string {
  const chosen = tokens?.length ? tokens : ['r8_emulator_key_one', 'r8_emulator_key_two'];
  const env = [`REPLICATE_BASE_URL=${url}`, ...chosen.map((t, i) => `REPLICATE_API_TOKEN_${i + 1}=${t}`)].join(' ');
  const accepted = tokens?.length
    ? `It accepts only ${tokens.length === 1 ? 'that token' : 'those tokens'}; any other gets 401.`
    : 'It accepts any token that starts with r8_.';
  return [
    `reelflow emulator: Replicate API at ${url}. ${accepted}`,
    `Point reelflow at it:`,
    `  ${env} reelflow dev`,
    `Accounting: curl ${origin}/__emulator/stats · Ctrl-C stops it.`,
    '',
  ].join('\n');
}
