import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { onInterrupt } from '../interrupt.js';
import { connect } from '../temporalSetup.js';

const USAGE = `Usage: reelflow api

Serves the HTTP API on API_HOST:API_PORT (default 127.0.0.1:8787). It starts and watches shorts
through Temporal; workers do the work (\`reelflow worker\`, or \`reelflow dev\` for everything at once).
Ctrl-C (or SIGTERM) stops it gracefully.

Options:
  -h, --help   Show this help
`;

export const api: Command = defineCommand({
  name: 'api',
  usage: USAGE,
  options: {},
  positionals: [],
  async run({ config: loadConfig }) {
    const config = loadConfig();
    const { serveApi } = await import('../../api/server.js');
    const client = await connect(config);
    const interrupt = onInterrupt('stopping the API…');
    try {
      await serveApi(config, {
        client,
        signal: interrupt.signal,
        onListening: () =>
          process.stderr.write(`reelflow api: using Temporal at ${config.temporal.address}; Ctrl-C stops it.\n`),
      });
      return 0;
    } finally {
      interrupt.dispose();
      await client.connection.close();
    }
  },
});
