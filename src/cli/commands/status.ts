import { RunNotFoundError } from '../../runs/errors.js';
import { kindForId } from '../../runs/registry.js';
import { RunService } from '../../runs/service.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { connect } from '../temporalSetup.js';
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
    const kind = kindForId(id!);
    if (!kind)
      throw new RunNotFoundError(
        'run',
        id!,
        `No run with id "${id!.slice(0, 100)}" (run ids start with short- or batch-).`,
      );
    const client = await connect(config());
    try {
      const state = await new RunService(client, config()).get(kind, id!);
      process.stdout.write(values.json ? `${JSON.stringify(state)}\n` : describeRunState(state));
      return 0;
    } finally {
      await client.connection.close();
    }
  },
});
