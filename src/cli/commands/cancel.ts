import { cancelShort } from '../../client/shorts.js';
import { loadConfig } from '../../config/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { connect } from '../temporalSetup.js';

const USAGE = `Usage: reelflow cancel <id>

Asks Temporal to cancel a running short. The run stops at its next step and keeps the assets it
already made. Cancelling a run that has already ended changes nothing.

Options:
  -h, --help   Show this help
`;

export const cancel: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('cancel', argv, {});
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [id] = expectPositionals('cancel', positionals, ['id']);
    const config = loadConfig();
    const client = await connect(config);
    try {
      const before = await cancelShort(client, config, id!);
      process.stdout.write(
        before.status === 'running'
          ? `Cancellation requested for ${id}. Follow it with \`reelflow status ${id}\` or ${before.webUiUrl}\n`
          : `${id} has already ended (${before.status}); nothing to cancel.\n`,
      );
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};
