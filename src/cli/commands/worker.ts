import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { onInterrupt } from '../interrupt.js';
import { installWorkerRuntime } from '../workerRuntime.js';

const USAGE = `Usage: reelflow worker

Runs a worker: the shortVideo workflow and its light activities on REELFLOW_TASK_QUEUE, rendering
on <queue>-render with RENDER_CONCURRENCY slots. Run several for more throughput; they share
DATA_DIR. Ctrl-C (or SIGTERM) shuts down gracefully.

Options:
  -h, --help   Show this help
`;

export const worker: Command = defineCommand({
  name: 'worker',
  usage: USAGE,
  options: {},
  positionals: [],
  async run({ config: loadConfig }) {
    const config = loadConfig();
    await installWorkerRuntime(config.logLevel);
    const { runWorkerProcess } = await import('../../worker/main.js');
    const interrupt = onInterrupt('stopping the worker after its current tasks…');
    try {
      await runWorkerProcess(config, interrupt.signal);
      process.stderr.write('reelflow worker: stopped.\n');
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
});
