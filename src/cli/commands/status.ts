import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { withRun } from '../runClient.js';
import { describeRunState } from '../views/statusText.js';

const USAGE = `Usage: reelflow status <id> [--json]

Shows the state of a run of any kind (a short or an image batch): stage and per-scene or per-task
progress while it runs, the result or the error after.

Options:
  --json       Print the state as one JSON object
  -h, --help   Show this help
`;

export const status: Command = defineCommand({
  name: 'status',
  usage: USAGE,
  options: { json: { type: 'boolean' } },
  positionals: ['id'],
  async run({ values, positionals: [id], config }) {
    return withRun(config(), id!, async (runs, kind) => {
      const state = await runs.get(kind, id!);
      process.stdout.write(values.json ? `${JSON.stringify(state)}\n` : describeRunState(state));
      return 0;
    });
  },
});
