import { RunAlreadyFinishedError, RunNotFoundError } from '../../runs/errors.js';
import { kindForId } from '../../runs/registry.js';
import { RunService } from '../../runs/service.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { connect } from '../temporalSetup.js';

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
    const kind = kindForId(id!);
    if (!kind)
      throw new RunNotFoundError(
        'run',
        id!,
        `No run with id "${id!.slice(0, 100)}" (run ids start with short- or batch-).`,
      );
    const client = await connect(config());
    try {
      const before = await new RunService(client, config()).cancel(kind, id!);
      process.stdout.write(
        `Cancellation requested for ${id}. Follow it with \`reelflow status ${id}\` or ${before.webUiUrl}\n`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof RunAlreadyFinishedError)) throw err;
      process.stdout.write(`${id} has already ended (${err.status}); nothing to cancel.\n`);
      return 0;
    } finally {
      await client.connection.close();
    }
  },
});
