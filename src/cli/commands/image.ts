import type { Client } from '@temporalio/client';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../../api/app.js';
import { IMAGE_TOOLS } from '../../catalog/tools.js';
import type { Config } from '../../config/index.js';
import { replicateQueueFor } from '../../domain/taskQueues.js';
import { type ImageState, imageKind } from '../../runs/kinds/image.js';
import { RunService } from '../../runs/service.js';
import { LocalStorage } from '../../storage/index.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { CliError, EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { withLocalStack } from '../localStack.js';
import { poolWorkersPolling } from '../temporalSetup.js';
import { type RunView, waitForRun } from '../waitForRun.js';

const OPTIONS = {
  out: { type: 'string', short: 'o' },
  mask: { type: 'string' },
  scale: { type: 'string' },
  'face-enhance': { type: 'boolean' },
  prompt: { type: 'string' },
  'negative-prompt': { type: 'string' },
  seed: { type: 'string' },
  aspect: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const USAGE = `Usage: reelflow image <tool> [<file|url>] [options] -o <out.png>

Runs one image tool on the Replicate key pool and saves its result. Tools:
  remove-background   a PNG with the background transparent (bria/remove-background)
  upscale             2× or 4× (--scale, default 4), --face-enhance (nightmareai/real-esrgan)
  restore-face        faces restored, 2× (tencentarc/gfpgan)
  generate            a picture from --prompt alone (stability-ai/sdxl)
  inpaint             paints --prompt where --mask is white (stability-ai/stable-diffusion-inpainting)
  colorize            colour for a black-and-white photo (piddnad/ddcolor)

The picture is a file or an http(s) URL (fetched by the service's SSRF-safe fetcher), checked by
its bytes, EXIF-rotated and compressed before it is sent. Starts a local Temporal dev server and an
in-process worker when none are running. Needs Replicate keys (or \`reelflow emulator\`).

Options:
  -o, --out <path>          Where to save the result (default ./out/<run id>.png)
  --mask <file|url>         inpaint's mask
  --scale <n>               upscale: 2 or 4; restore-face: 1 to 4
  --face-enhance            upscale: enhance faces too
  --prompt <text>           generate, inpaint
  --negative-prompt <text>  generate, inpaint
  --seed <n>                generate, inpaint
  --aspect <9:16|16:9|1:1>  generate
  --json                    Print the result as JSON
  -h, --help                Show this help

Exit codes: 0 saved, 1 the call failed or was refused, 2 bad usage, 130 cancelled.
`;

type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export const image: Command = defineCommand({
  name: 'image',
  usage: USAGE,
  options: OPTIONS,
  positionals: 'rest',
  async run({ values, positionals, config }) {
    const [tool, source, ...extra] = positionals;
    if (!tool || !(IMAGE_TOOLS as readonly string[]).includes(tool))
      throw new UsageError(`name a tool: ${IMAGE_TOOLS.join(', ')}`, 'image');
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, 'image');
    return runTool(tool, source, values as Flags, config);
  },
});

async function runTool(tool: string, source: string | undefined, flags: Flags, loadConfig: () => Config) {
  const body = await requestBody(source, flags);
  const config = loadConfig();
  if (config.replicate.keys.length === 0) {
    throw new CliError(
      'Image tools run on Replicate, and no Replicate keys are configured.',
      'Set REPLICATE_API_TOKEN (or REPLICATE_API_TOKEN_1..N); `reelflow emulator` runs a local stand-in.',
    );
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const stack = {
    log,
    noun: 'image',
    queuesPolled: (client: Client) => poolWorkersPolling(client, config),
    describeQueues: `task queues "${config.taskQueue}" and "${replicateQueueFor(config.taskQueue)}"`,
  };
  return withLocalStack(config, stack, async ({ client, interrupt, workerWatch }) => {
    // The API's own intake, in process: the same checks, compression and errors as POST /v1/images/:tool.
    const storage = new LocalStorage(config.dataDir);
    const app = createApp({ client, config, storage });
    const res = await app.request(`/v1/images/${tool}`, { method: 'POST', body });
    const answer = (await res.json()) as { id?: string; error?: { code: string; message: string } };
    if (res.status !== 202 || !answer.id) {
      process.stderr.write(`reelflow: ${answer.error?.message ?? `the service answered ${res.status}`}\n`);
      return 1;
    }
    log(`Started ${answer.id} · ${tool}`);
    const runs = new RunService(client, config);
    const view = statusLineView();
    const { status, cancelRequested } = await waitForRun(runs, imageKind, answer.id, {
      view,
      interrupt,
      cancellingNote: `reelflow: asking Temporal to cancel ${answer.id}; its prediction is cancelled too…`,
      ...workerWatch(view),
    });
    view.finish();
    if (cancelRequested) return EXIT_INTERRUPTED;
    if (status.status !== 'completed' || !status.result) {
      process.stderr.write(
        `reelflow: ${status.id} ended ${status.status}${status.error ? `: ${status.error.message}` : ''}\n`,
      );
      return 1;
    }
    const first = status.result.outputs[0]!;
    const out = path.resolve(flags.out ?? path.join('out', `${status.id}${path.extname(first.filename)}`));
    await mkdir(path.dirname(out), { recursive: true });
    await copyFile(storage.localPath(first.ref), out);
    if (flags.json) process.stdout.write(`${JSON.stringify({ id: status.id, out, ...summary(status) })}\n`);
    else
      process.stdout.write(
        `Saved ${out} · ${first.width}×${first.height} ${first.contentType}${first.hasAlpha ? ' with alpha' : ''}` +
          `${status.result.cost?.usd !== undefined ? ` · $${status.result.cost.usd}` : ''}${status.result.cached ? ' (cached)' : ''}\n`,
      );
    return 0;
  });
}

function summary(status: ImageState) {
  const r = status.result!;
  return { tool: r.tool, model: r.model, outputs: r.outputs.map(({ ref: _ref, ...o }) => o), cost: r.cost };
}

/** The call as the API takes it: a multipart upload for files, JSON for URLs (and for generate). */
async function requestBody(source: string | undefined, flags: Flags): Promise<FormData> {
  const form = new FormData();
  const add = async (field: string, value: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:\\/i.test(value))
      form.append(field === 'image' ? 'url' : 'maskUrl', value);
    else {
      const bytes = await readFile(value).catch(() => {
        throw new UsageError(`cannot read ${field} file ${value}`, 'image');
      });
      form.append(field, new Blob([bytes]), path.basename(value));
    }
  };
  if (source) await add('image', source);
  if (flags.mask) await add('mask', flags.mask);
  for (const [flag, field] of [
    ['scale', 'scale'],
    ['prompt', 'prompt'],
    ['negative-prompt', 'negative_prompt'],
    ['seed', 'seed'],
    ['aspect', 'aspect'],
  ] as const) {
    const v = flags[flag];
    if (typeof v === 'string') form.append(field, v);
  }
  if (flags['face-enhance']) form.append('face_enhance', 'true');
  return form;
}

/** One status line on stderr ("image-upscale-… running"). */
function statusLineView(): RunView<ImageState> {
  let last = '';
  return {
    update(state) {
      const line = state ? `${state.id}: ${state.progress?.stage ?? state.status}` : '';
      if (line && line !== last) process.stderr.write(`${line}\n`);
      last = line;
    },
    finish() {},
    note: (line) => process.stderr.write(`${line}\n`),
  };
}
