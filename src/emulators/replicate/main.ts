/**
 * CLI: npx tsx src/emulators/replicate/main.ts --port 8790 --latency 1 --jitter 0.5 --tokens r8_a,r8_b
 * Prints the API base URL (pass it as REPLICATE base URL) and runs until SIGINT/SIGTERM.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startReplicateEmulator } from './server.js';
import type { ReplicateEmulatorOptions } from './options.js';

/** The option lines of the help text; `reelflow emulator` shows the same ones. */
export const EMULATOR_OPTIONS_HELP = `  --host <host>           listen host (default 127.0.0.1)
  --port <n>              listen port (default 0 = ephemeral)
  --base-path <path>      API base path (default /v1)
  --latency <seconds>     mean prediction latency (default by output kind: image 1,
                          speech 1.5, music 4, video 6)
  --jitter <fraction>     uniform ± jitter as a fraction of the mean (default 0.5)
  --seed <n>              PRNG seed (default 1)
  --tokens <a,b,...>      valid tokens (default: any token starting with r8_)
  --file-ttl <seconds>    output file lifetime after completion (default 3600)
  --concurrency-limit <n> per-token in-flight limit recorded as violations
  --fail-rate <fraction>  fraction of predictions failing with E6716
  --throttle-next <n>     the next n create calls get 429
  --video-scale <n>       emulated videos are the model's resolution ÷ n (default 4)
  --ffmpeg <path>         ffmpeg for audio and video outputs (default: ffmpeg on PATH)
  --espeak-ng <path>      espeak-ng for speech outputs (default: espeak-ng on PATH)`;

const USAGE = `Usage: replicate-emulator [options]
${EMULATOR_OPTIONS_HELP}
  -h, --help`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}

/** The emulator's flags, for node:util parseArgs (without --help). */
export const EMULATOR_ARG_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'base-path': { type: 'string' },
  latency: { type: 'string' },
  jitter: { type: 'string' },
  seed: { type: 'string' },
  tokens: { type: 'string' },
  'file-ttl': { type: 'string' },
  'concurrency-limit': { type: 'string' },
  'fail-rate': { type: 'string' },
  'throttle-next': { type: 'string' },
  'video-scale': { type: 'string' },
  ffmpeg: { type: 'string' },
  'espeak-ng': { type: 'string' },
} as const;

export type EmulatorArgValues = { [K in keyof typeof EMULATOR_ARG_OPTIONS]?: string };

/** Parsed flags → emulator options; a flag that is not a number throws naming the flag. */
export function emulatorOptionsFromArgs(values: EmulatorArgValues): ReplicateEmulatorOptions {
  const opts: ReplicateEmulatorOptions = {};
  if (values.host !== undefined) opts.host = values.host;
  const set = <K extends keyof ReplicateEmulatorOptions>(key: K, v: ReplicateEmulatorOptions[K] | undefined) => {
    if (v !== undefined) opts[key] = v;
  };
  set('port', num('port', values.port));
  set('basePath', values['base-path']);
  set('latencySeconds', num('latency', values.latency));
  set('jitter', num('jitter', values.jitter));
  set('seed', num('seed', values.seed));
  set('fileTtlSeconds', num('file-ttl', values['file-ttl']));
  set('concurrencyLimit', num('concurrency-limit', values['concurrency-limit']));
  set('videoScale', num('video-scale', values['video-scale']));
  set('ffmpegPath', values.ffmpeg);
  set('espeakPath', values['espeak-ng']);
  set(
    'tokens',
    values.tokens
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );
  const failRate = num('fail-rate', values['fail-rate']);
  const throttleNext = num('throttle-next', values['throttle-next']);
  if (failRate !== undefined || throttleNext !== undefined) {
    opts.faults = {
      ...(failRate !== undefined ? { transientFailureRate: failRate } : {}),
      ...(throttleNext !== undefined ? { throttleNext } : {}),
    };
  }
  return opts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...EMULATOR_ARG_OPTIONS, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const opts = emulatorOptionsFromArgs(values);

  const emulator = await startReplicateEmulator(opts);
  console.log(emulator.url);
  console.error(
    `replicate emulator listening; admin: GET ${emulator.origin}/__emulator/stats, POST ${emulator.origin}/__emulator/faults, POST ${emulator.origin}/__emulator/reset`,
  );
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Run only as a script: `reelflow emulator` imports this module for its option parsing. */
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exit(2);
  });
}
