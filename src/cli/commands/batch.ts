import type { Client } from '@temporalio/client';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  BatchNotFoundError,
  type BatchStatus,
  type ParsedBatchRequest,
  batchRequestSchema,
  cancelBatch,
  getBatchStatus,
  startBatch,
} from '../../client/batches.js';
import { ProviderUnavailableError } from '../../client/shorts.js';
import { type Config, loadConfig } from '../../config/index.js';
import type { BatchProgress, ImageBatchResult } from '../../domain/batch.js';
import { replicateQueueFor } from '../../domain/taskQueues.js';
import { LocalStorage } from '../../storage/index.js';
import { expectPositionals, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { displayPath, fit } from '../format.js';
import { withLocalStack } from '../localStack.js';
import { TASK_QUEUE_TYPE_ACTIVITY, TASK_QUEUE_TYPE_WORKFLOW, connect, matchingPollers } from '../temporalSetup.js';
import { type WaitOptions, type WaitOutcome, waitForRun } from '../waitForRun.js';

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

export const batch: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('batch', argv, OPTIONS);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    try {
      if (positionals[0] === 'status') return await showStatus(positionals.slice(1), values);
      expectPositionals('batch', positionals, []);
      return await runBatch(values);
    } catch (err) {
      if (err instanceof BatchNotFoundError) {
        throw new CliError(err.message, 'Check the id; `temporal workflow list` shows recent runs.');
      }
      if (err instanceof ProviderUnavailableError) throw new CliError(err.message);
      throw err;
    }
  },
};

type Flags = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

async function runBatch(flags: Flags): Promise<number> {
  if (!flags.file) throw new UsageError('--file <tasks.json> is required', 'batch');
  const request = await readTasks(flags.file, flags);
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
    queuesPolled: (client: Client) => batchWorkersPolling(client, config),
    describeQueues: `task queues "${config.taskQueue}" and "${replicateQueueFor(config.taskQueue)}"`,
  };
  return withLocalStack(config, stack, async ({ client, interrupt, startedServer, workerWatch }) => {
    const started = await startBatch(client, config, request);
    const n = request.tasks.length;
    log(`Started ${started.id} · ${n} task${n === 1 ? '' : 's'} · ${started.webUiUrl}`);
    const view = createBatchView();
    const { status, cancelRequested } = await waitForBatch(client, config, started.id, {
      view,
      interrupt,
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
    const delivered = await deliver(status.result, new LocalStorage(config.dataDir), outDir);
    if (flags.json) printJson(status, delivered);
    else printSummary(status, delivered, startedServer, config);
    return status.result.failed_results.length === 0 ? 0 : 1;
  });
}

/** The tasks file through the API's own schema; flags override what the file says. */
async function readTasks(file: string, flags: Flags): Promise<ParsedBatchRequest> {
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = await readFile(file, 'utf8');
    }
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`Cannot read the tasks file ${file}: ${reason}`, 'Check the path passed to --file.');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`The tasks file ${file} is not valid JSON: ${(err as Error).message}`, 'batch');
  }
  const body = Array.isArray(raw) ? { tasks: raw } : raw;
  const merged =
    body && typeof body === 'object'
      ? {
          ...body,
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags['no-download'] ? { download: false } : {}),
        }
      : body;
  const parsed = batchRequestSchema.safeParse(merged);
  if (!parsed.success) throw new UsageError(`Invalid tasks file ${file}: ${describeIssues(parsed.error)}`, 'batch');
  return parsed.data;
}

function describeIssues(error: z.ZodError, max = 10): string {
  const problems = error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    return `${where === 'model' ? '--model / model' : where || '(file)'}: ${what}`;
  });
  const more = problems.length > max ? `; and ${problems.length - max} more` : '';
  return `${problems.slice(0, max).join('; ')}${more}`;
}

/** True when some worker runs workflows on the main queue and some key worker polls the Replicate queue. */
async function batchWorkersPolling(client: Client, config: Config): Promise<boolean> {
  const [workflows, keys] = await Promise.all([
    matchingPollers(client, config, config.taskQueue, TASK_QUEUE_TYPE_WORKFLOW),
    matchingPollers(client, config, replicateQueueFor(config.taskQueue), TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return workflows > 0 && keys > 0;
}

interface BatchView {
  update(status: BatchStatus | undefined): void;
  /** Leaves the last line on screen and moves below it. */
  finish(): void;
  /** Prints a line above the live one without tearing it. */
  note(line: string): void;
}

/** "37/200 done · 2 failed": done counts every finished task, the failed ones included. */
export function progressLine(progress: BatchProgress | undefined): string {
  if (!progress) return 'waiting for a worker to pick up the batch…';
  const done = progress.succeeded + progress.failed;
  return `${done}/${progress.total} done · ${progress.failed} failed`;
}

/** One redrawn line on a terminal; elsewhere a line per change, at most one a second. */
function createBatchView(stream: NodeJS.WriteStream = process.stderr): BatchView {
  let shown = '';
  let pending = '';
  let printedAt = 0;
  let live = false;
  const tty = stream.isTTY;
  const draw = (line: string) => {
    const columns = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`\r\x1b[K${fit(line, columns)}`);
    live = true;
  };
  return {
    update(status) {
      const closed = status && status.status !== 'running';
      pending = `${closed ? (status.status === 'completed' ? '✓' : '✗') : '…'} ${progressLine(status?.progress)}`;
      if (pending === shown) return;
      if (tty) {
        draw(pending);
        shown = pending;
      } else if (closed || Date.now() - printedAt >= 1000) {
        stream.write(`${pending}\n`);
        shown = pending;
        printedAt = Date.now();
      }
    },
    finish() {
      if (tty && live) stream.write('\n');
      else if (!tty && pending !== shown) stream.write(`${pending}\n`);
      live = false;
    },
    note(line) {
      if (tty && live) stream.write('\r\x1b[K');
      stream.write(`${line}\n`);
      if (tty && shown) draw(shown);
    },
  };
}

/** Waits for the batch until it closes; Ctrl-C cancels it, running predictions included (see `waitForRun`). */
function waitForBatch(
  client: Client,
  config: Config,
  id: string,
  options: WaitOptions<BatchStatus>,
): Promise<WaitOutcome<BatchStatus>> {
  return waitForRun(
    {
      read: () => getBatchStatus(client, config, id),
      cancel: () => cancelBatch(client, config, id),
      cancellingNote: `reelflow: asking Temporal to cancel ${id}; running predictions are cancelled too…`,
    },
    options,
  );
}

interface DeliveredFile {
  filename: string;
  /** Where the CLI wrote it (stored outputs). */
  path?: string;
  /** Replicate's URL (--no-download). */
  url?: string;
}

interface Delivered {
  outDir?: string;
  copied: number;
  successful: { task_index: number; prompt: string; output_filename: string; generated_files: DeliveredFile[] }[];
  failed: ImageBatchResult['failed_results'];
  summary: string;
}

/** Copies every stored output into `outDir` under its task's name; URL outputs are passed through. */
async function deliver(result: ImageBatchResult, storage: LocalStorage, outDir: string): Promise<Delivered> {
  const taken = new Set<string>();
  let copied = 0;
  const successful: Delivered['successful'] = [];
  for (const r of result.successful_results) {
    const files: DeliveredFile[] = [];
    for (const f of r.generated_files) {
      if (f.ref === undefined) {
        files.push({ filename: f.filename, ...(f.url !== undefined ? { url: f.url } : {}) });
        continue;
      }
      const target = path.join(outDir, freeName(taken, r.task_index, f.filename));
      if (copied === 0) await mkdir(outDir, { recursive: true });
      try {
        await copyFile(storage.localPath(f.ref), target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        throw new CliError(
          `The images are stored on the workers' DATA_DIR, which this machine cannot read (${f.filename} of task ${r.task_index} is missing).`,
          'Run the CLI where DATA_DIR is shared with the workers, or download them through the HTTP API.',
        );
      }
      copied++;
      files.push({ filename: f.filename, path: target });
    }
    successful.push({
      task_index: r.task_index,
      prompt: r.prompt,
      output_filename: r.output_filename,
      generated_files: files,
    });
  }
  return {
    ...(copied > 0 ? { outDir } : {}),
    copied,
    successful,
    failed: result.failed_results,
    summary: result.summary,
  };
}

/** The name itself when free; otherwise `<task>_<name>`, then `<task>_<n>_<name>`. */
function freeName(taken: Set<string>, taskIndex: number, filename: string): string {
  let name = filename;
  for (let n = 1; taken.has(name.toLowerCase()); n++) {
    name = n === 1 ? `${taskIndex}_${filename}` : `${taskIndex}_${n}_${filename}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

function printJson(status: BatchStatus, d: Delivered): void {
  process.stdout.write(
    `${JSON.stringify({
      id: status.id,
      status: status.status,
      summary: d.summary,
      outDir: d.outDir,
      successful_results: d.successful,
      failed_results: d.failed,
      webUiUrl: status.webUiUrl,
    })}\n`,
  );
}

const MAX_LISTED = 10;

function printSummary(status: BatchStatus, d: Delivered, embeddedServer: boolean, config: Config): void {
  const urls = d.successful.flatMap((r) =>
    r.generated_files.filter((f) => f.url).map((f) => ({ task: r.task_index, ...f })),
  );
  const mark = d.failed.length === 0 ? '✓' : '✗';
  const lines = [
    `${mark} ${d.summary}${d.outDir ? ` · ${d.copied} file${d.copied === 1 ? '' : 's'} in ${displayPath(d.outDir)}` : ''}`,
    `  id          ${status.id}`,
    ...urls.map((u, i) => `${i === 0 ? '  urls        ' : '              '}${u.task} ${u.filename}  ${u.url}`),
    ...(urls.length ? ["              (Replicate's URLs stop working an hour after the prediction)"] : []),
    ...d.failed
      .slice(0, MAX_LISTED)
      .map(
        (f, i) =>
          `${i === 0 ? '  failed      ' : '              '}task ${f.task_index} “${preview(f.prompt)}”: ${f.error.type}: ${f.error.message.split('\n')[0]}`,
      ),
    ...(d.failed.length > MAX_LISTED ? [`              … and ${d.failed.length - MAX_LISTED} more (see --json)`] : []),
    `  Web UI      ${status.webUiUrl}`,
    ...(embeddedServer
      ? [
          `              (the dev server this command started has stopped; \`reelflow dev\` serves the history again at ${config.temporal.uiUrl})`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function preview(prompt: string, max = 40): string {
  const chars = [...prompt.replace(/\s+/g, ' ')];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** `reelflow batch status <id>`: counts while it runs, the summary (and failures) after. */
async function showStatus(positionals: string[], flags: Flags): Promise<number> {
  const [id] = expectPositionals('batch', positionals, ['id']);
  for (const flag of ['file', 'out', 'no-download', 'model'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} does not apply to \`batch status\``, 'batch');
  }
  const config = loadConfig();
  const client = await connect(config);
  try {
    const current = await getBatchStatus(client, config, id!);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(current)}\n`);
      return 0;
    }
    const lines = [`${current.id}: ${current.status} · ${progressLine(current.progress)}`];
    if (current.result) lines.push(`  result      ${current.result.summary}`);
    for (const f of current.result?.failed_results.slice(0, MAX_LISTED) ?? []) {
      lines.push(
        `  failed      task ${f.task_index} “${preview(f.prompt)}”: ${f.error.type}: ${f.error.message.split('\n')[0]}`,
      );
    }
    if (current.error) lines.push(`  error       ${current.error.type}: ${current.error.message}`);
    lines.push(
      `  started     ${current.startedAt ?? '?'}${current.closedAt ? ` · closed ${current.closedAt}` : ''}`,
      `  Web UI      ${current.webUiUrl}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await client.connection.close();
  }
}
