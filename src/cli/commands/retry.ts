import type { Client } from '@temporalio/client';
import { type ChildRun, prepareRetry, startChildRun } from '../../runs/revisions.js';
import { RunService } from '../../runs/service.js';
import { LocalStorage } from '../../storage/index.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { followShort, outPath, shortStack } from '../followShort.js';
import { withLocalStack } from '../localStack.js';

const USAGE = `Usage: reelflow retry <id> [--out <file.mp4>] [--json]

Makes a failed or cancelled short again: a new run whose id names its parent (…-retry-…), with
the parent's plan when it got that far. The scenes that had finished come from the generation
cache, so only the ones that failed are paid for again. Waits for it as \`make\` does, then copies
the MP4 to --out. The same as POST /v1/shorts/<id>/retry.

Options:
  -o, --out <file>   Where to write the MP4 (default: <new id>.mp4 in this folder)
  --json             Print one JSON object with the result on stdout, nothing else
  -h, --help         Show this help

A short that is still running or has completed is refused before anything starts. Ctrl-C while
waiting cancels the retry. Exit codes: 0 done, 1 failed or refused, 2 bad usage, 130 cancelled.
`;

export const retry: Command = defineCommand({
  name: 'retry',
  usage: USAGE,
  options: { out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  positionals: ['id'],
  async run({ values, positionals: [id], config: loadConfig }) {
    const config = loadConfig();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    let retried: ChildRun | undefined;
    const stack = {
      ...shortStack(config, log),
      // Refused (still running, completed) before a worker is started for nothing.
      prepare: async (client: Client) => {
        retried = await prepareRetry(new RunService(client, config), new LocalStorage(config.dataDir), id!);
      },
    };
    return withLocalStack(config, stack, async (local) => {
      const runs = new RunService(local.client, config);
      const started = await startChildRun(runs, retried!);
      log(`Started ${started.id}: ${id} again · ${started.webUiUrl}`);
      const out = outPath(values.out, started.id);
      return followShort(runs, local, started.id, { out, json: values.json === true, config });
    });
  },
});
