import {
  EMULATOR_ARG_OPTIONS,
  EMULATOR_OPTIONS_HELP,
  emulatorOptionsFromArgs,
} from '../../emulators/replicate/main.js';
import { startElevenLabsEmulator } from '../../emulators/elevenlabs/index.js';
import { startOpenAiEmulator } from '../../emulators/openai/index.js';
import { startReplicateEmulator } from '../../emulators/replicate/server.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { CliError, UsageError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';

const DEFAULT_PORT = 8790;
/** The OpenAI-compatible and ElevenLabs emulators sit on the next ports (or free ones with --port 0). */
const OFFSETS = { openai: 1, elevenlabs: 2 } as const;
const EMULATOR_KEYS = { openai: 'sk-emulator-openai-key-0001', elevenlabs: `sk_${'e'.repeat(48)}` } as const;

const USAGE = `Usage: reelflow emulator [options]

Runs local stand-ins for every AI service reelflow uses, speaking their real protocols, so you can
develop without keys or spending money:
  - Replicate (create by model or version, get, cancel, expiring output files, per-token
    accounting, failure injection) on --port (default ${DEFAULT_PORT});
  - an OpenAI-compatible server (chat completions that plan scenes, models, speech) on the next port;
  - ElevenLabs (text to speech with timestamps, voices, quotas) on the one after.
Prints the Replicate base URL on the first line of stdout, then the OpenAI and ElevenLabs ones,
and on stderr the variables that point reelflow at all three; Ctrl-C stops them.

Options:
${EMULATOR_OPTIONS_HELP.replace('(default 0 = ephemeral)', `(default ${DEFAULT_PORT}; 0 picks free ports for all three)`)}
  --replicate-only        Run only the Replicate emulator
  -h, --help              Show this help

Admin endpoints on each: GET /__emulator/stats, GET|POST /__emulator/faults, POST /__emulator/reset.
`;

export const emulator: Command = defineCommand({
  name: 'emulator',
  usage: USAGE,
  options: { ...EMULATOR_ARG_OPTIONS, 'replicate-only': { type: 'boolean' } },
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
      const portFor = (service: keyof typeof OFFSETS) => (options.port === 0 ? 0 : options.port! + OFFSETS[service]);
      const others = values['replicate-only']
        ? undefined
        : await Promise.all([
            startOpenAiEmulator({ host: options.host, port: portFor('openai') }),
            startElevenLabsEmulator({ host: options.host, port: portFor('elevenlabs') }),
          ]).catch(async (err: unknown) => {
            await server.close();
            throw (err as { code?: string }).code === 'EADDRINUSE'
              ? new CliError('The ports after --port are taken.', 'Pick another --port, or --port 0 for free ones.')
              : err;
          });
      process.stdout.write(`${server.url}\n`);
      if (others) process.stdout.write(`${others[0].url}\n${others[1].url}\n`);
      process.stderr.write(
        howToUse(
          server.url,
          server.origin,
          options.tokens,
          others && { openai: others[0].url, elevenlabs: others[1].url },
        ),
      );
      await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
      const stats = server.stats();
      await Promise.all([server.close(), ...(others ?? []).map((o) => o.close())]);
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

function howToUse(
  url: string,
  origin: string,
  tokens: readonly string[] | undefined,
  others?: { openai: string; elevenlabs: string },
): string {
  const chosen = tokens?.length ? tokens : ['r8_emulator_key_one', 'r8_emulator_key_two'];
  const env = [
    `REPLICATE_BASE_URL=${url}`,
    ...chosen.map((t, i) => `REPLICATE_API_TOKEN_${i + 1}=${t}`),
    ...(others
      ? [
          `LLM_BASE_URL=${others.openai} LLM_MODEL=emulator-planner LLM_API_KEY=${EMULATOR_KEYS.openai}`,
          `OPENAI_TTS_BASE_URL=${others.openai} OPENAI_TTS_MODEL=tts-1 OPENAI_TTS_API_KEY=${EMULATOR_KEYS.openai}`,
          `ELEVENLABS_BASE_URL=${others.elevenlabs} ELEVENLABS_API_KEY=${EMULATOR_KEYS.elevenlabs}`,
        ]
      : []),
  ].join(' ');
  const accepted = tokens?.length
    ? `It accepts only ${tokens.length === 1 ? 'that token' : 'those tokens'}; any other gets 401.`
    : 'It accepts any token that starts with r8_.';
  return [
    `reelflow emulator: Replicate API at ${url}. ${accepted}`,
    `Point reelflow at it:`,
    `  ${env} reelflow dev`,
    ...(others ? [`OpenAI-compatible API at ${others.openai}; ElevenLabs at ${others.elevenlabs} (any key).`] : []),
    `Accounting: curl ${origin}/__emulator/stats (and the same path on the others) · Ctrl-C stops it.`,
    '',
  ].join('\n');
}
