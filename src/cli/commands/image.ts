import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_TOOLS } from '../../catalog/tools.js';
import type { Config } from '../../config/index.js';
import { type ImageState, imageKind } from '../../runs/kinds/image.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { UsageError } from '../errors.js';
import { poolRunThroughApi } from '../poolRunThroughApi.js';
import type { RunView } from '../waitForRun.js';

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
  return poolRunThroughApi(loadConfig(), {
    kind: imageKind,
    noun: 'image',
    needsKeys: 'Image tools run on Replicate',
    path: `/v1/images/${tool}`,
    request: { body },
    view: statusLineView(),
    startedLine: (id) => `Started ${id} · ${tool}`,
    cancellingNote: (id) => `reelflow: asking Temporal to cancel ${id}; its prediction is cancelled too…`,
    async done(status, storage) {
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
    },
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
