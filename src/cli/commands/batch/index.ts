import type { Client } from '@temporalio/client';
import path from 'node:path';
import type { Config } from '../../../config/index.js';
import { replicateQueueFor } from '../../../domain/taskQueues.js';
import { batchKind } from '../../../runs/kinds/batch.js';
import { RunService } from '../../../runs/service.js';
import { LocalStorage } from '../../../storage/index.js';
import { expectPositionals } from '../../args.js';
import type { Command } from '../../command.js';
import { defineCommand } from '../../defineCommand.js';
import { CliError, EXIT_INTERRUPTED, UsageError } from '../../errors.js';
import { withLocalStack } from '../../localStack.js';
import { connect, poolWorkersPolling } from '../../temporalSetup.js';
import { waitForRun } from '../../waitForRun.js';
import { createBatchProgressView } from '../../views/batchProgress.js';
import { describeRunState } from '../../views/statusText.js';
import { deliverBatch, printDeliveredJson, printDeliveredSummary } from './deliver.js';
import { readTasksFile } from './input.js';

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  'no-download': { type: 'boolean' },
  model: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const USAGE = `Usage: reelflow batch --file <tasks.json> [--out <dir>] [options]
       reelflow batch status <id> [--json]

Generates a batch of images on the Replicate key pool and waits for it. tasks.json has the batch
tool's shape, {"tasks":[{"prompt":"A red car","output_filename":"red_car.jpg"}, …]}, or is a bare
list of tasks; it may also set "model", "modelInput" and "download". 1 to 1000 tasks.

Each file keeps its task's name (a PNG asked for as red_car.jpg is written as red_car.png; several
outputs of one task become red_car_1.png, red_car_2.png). A name already taken by an earlier task,
e.g. several tasks without output_filename ("image.png"), gets the task index in front: 3_image.png.

Starts a local Temporal dev server and an in-process worker when none are running. Needs Replicate
keys (REPLICATE_API_TOKEN or REPLICATE_API_TOKEN_1..N).

Options:
  -f, --file <path>     The tasks file ("-" reads stdin)
  -o, --out <dir>       Where to copy the images (default ./out/<batch id>/)
  --no-download         Keep the images on Replicate and print their URLs (valid for an hour)
  --model <owner/name>  Replicate image model (default REPLICATE_IMAGE_MODEL)
  --json                Print one JSON object with the result on stdout, nothing else
  -h, --help            Show this help

Progress ("37/200 done · 2 failed") goes to stderr. Ctrl-C while waiting cancels the batch.
Exit codes: 0 every task succeeded, 1 a task or the batch failed, 2 bad usage, 130 cancelled.
`;

type Flags = { file?: string; out?: string; 'no-download'?: boolean; model?: string; json?: boolean };

export const batch: Command = defineCommand({
  name: 'batch',
  usage: USAGE,
  options: OPTIONS,
  positionals: 'rest',
  async run({ values, positionals, config }) {
    if (positionals[0] === 'status') return showStatus(positionals.slice(1), values, config());
    expectPositionals('batch', positionals, []);
    return runBatch(values, config);
  },
});

async function runBatch(flags: Flags, loadConfig: () => Config): Promise<number> {
  if (!flags.file) throw new UsageError('--file <tasks.json> is required', 'batch');
  const request = await readTasksFile(flags.file, flags);
  const config = loadConfig();
  if (config.replicate.keys.length === 0) {
    throw new CliError(
      'Image batches run on Replicate, and no Replicate keys are configured.',
      'Set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N); `reelflow emulator` runs a local stand-in.',
    );
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stack = {
    log,
    noun: 'batch',
    queuesPolled: (client: Client) => poolWorkersPolling(client, config),
    describeQueues: `task queues "${config.taskQueue}" and "${replicateQueueFor(config.taskQueue)}"`,
  };
  return withLocalStack(config, stack, async ({ client, interrupt, startedServer, workerWatch }) => {
    const runs = new RunService(client, config);
    const started = await runs.start(batchKind, request);
    const n = request.tasks.length;
    log(`Started ${started.id} · ${n} task${n === 1 ? '' : 's'} · ${started.webUiUrl}`);
    const view = createBatchProgressView();
    const { status, cancelRequested } = await waitForRun(runs, batchKind, started.id, {
      view,
      interrupt,
      cancellingNote: `reelflow: asking Temporal to cancel ${started.id}; running predictions are cancelled too…`,
      ...workerWatch(view),
    });
    view.finish();
    if (cancelRequested) {
      const state =
        status.status === 'running' ? 'cancellation requested; running predictions are cancelled' : status.status;
      process.stderr.write(`reelflow: ${status.id}: ${state}. Web UI: ${status.webUiUrl}\n`);
      return EXIT_INTERRUPTED;
    }
    if (status.status !== 'completed' || !status.result) {
      const what =
        status.status === 'cancelled'
          ? 'was cancelled from outside (the API or the Web UI)'
          : `ended ${status.status}${status.error ? ` (${status.error.type}: ${status.error.message})` : ''}`;
      process.stderr.write(`reelflow: The batch ${status.id} ${what}. Web UI: ${status.webUiUrl}\n`);
      return 1;
    }
    const outDir = path.resolve(flags.out ?? path.join('out', status.id));
    const delivered = await deliverBatch(status.result, new LocalStorage(config.dataDir), outDir);
    if (flags.json) printDeliveredJson(status, delivered);
    else printDeliveredSummary(status, delivered, startedServer, config);
    return status.result.failed_results.length === 0 ? 0 : 1;
  });
}

/** `reelflow batch status <id>`: counts while it runs, the summary (and failures) after. */
async function showStatus(positionals: string[], flags: Flags, config: Config): Promise<number> {
  const [id] = expectPositionals('batch', positionals, ['id']);
  for (const flag of ['file', 'out', 'no-download', 'model'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} does not apply to \`batch status\``, 'batch');
  }
  const client = await connect(config);
  try {
    const state = await new RunService(client, config).get(batchKind, id!);
    process.stdout.write(flags.json ? `${JSON.stringify(state)}\n` : describeRunState(state));
    return 0;
  } finally {
    await client.connection.close();
  }
}
