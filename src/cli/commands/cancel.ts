import { RunAlreadyFinishedError } from '../../runs/errors.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { withRun } from '../runClient.js';

const USAGE = `Usage: reelflow cancel <id>

Asks Temporal to cancel a running short or image batch. A short stops at its next step and keeps
the assets it already made; a batch cancels its running predictions on Replicate. Cancelling a run
that has already ended changes nothing.

Options:
  -h, --help   Show this help
`;

export const cancel: Command = defineCommand({
  name: 'cancel',
  usage: USAGE,
  options: {},
  positionals: ['id'],
  async run({ positionals: [id], config }) {
    return withRun(config(), id!, async (runs, kind) => {
      try {
        const before = await runs.cancel(kind, id!);
        process.stdout.write(
          `Cancellation requested for ${id}. Follow it with \`reelflow status ${id}\` or ${before.webUiUrl}\n`,
        );
      } catch (err) {
        if (!(err instanceof RunAlreadyFinishedError)) throw err;
        process.stdout.write(`${id} has already ended (${err.status}); nothing to cancel.\n`);
      }
      return 0;
    });
  },
});
