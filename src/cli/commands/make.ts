import type { Client } from '@temporalio/client';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { describeCost } from '../../domain/cost.js';
import type { ShortResult } from '../../domain/result.js';
import { type ParsedShortRequest, shortVideoInputSchema } from '../../domain/shortRequest.js';
import { describeEstimate, estimateShort } from '../../runs/estimate.js';
import { type ShortState, shortKind } from '../../runs/kinds/short.js';
import { RunService } from '../../runs/service.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { CliError, EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { displayPath, formatBytes, formatProviders, formatSeconds } from '../format.js';
import { withLocalStack } from '../localStack.js';
import { createShortProgressView } from '../views/shortProgress.js';
import { requestFromFlags } from '../requestFromFlags.js';
import { workersPolling } from '../temporalSetup.js';
import { waitForRun } from '../waitForRun.js';

const OPTIONS = {
  story: { type: 'string' },
  'story-file': { type: 'string' },
  out: { type: 'string', short: 'o' },
  scenes: { type: 'string' },
  aspect: { type: 'string' },
  language: { type: 'string' },
  'no-captions': { type: 'boolean' },
  voice: { type: 'string' },
  style: { type: 'string' },
  fps: { type: 'string' },
  transition: { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string' },
  planner: { type: 'string' },
  structure: { type: 'string' },
  'target-seconds': { type: 'string' },
  'voice-provider': { type: 'string' },
  'voice-model': { type: 'string' },
  speed: { type: 'string' },
  karaoke: { type: 'boolean' },
  music: { type: 'string' },
  'music-url': { type: 'string' },
  'music-prompt': { type: 'string' },
  'music-volume': { type: 'string' },
  visuals: { type: 'string' },
  'video-model': { type: 'string' },
  'clip-fit': { type: 'string' },
  strict: { type: 'boolean' },
  estimate: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const USAGE = `Usage: reelflow make (--story <text> | --story-file <path>) --out <file.mp4> [options]

Turns a story into a short video and waits for it. Starts a local Temporal dev server and an
in-process worker when none are running, and stops them again when done.

Options:
  --story <text>        The story to tell
  --story-file <path>   Read the story from a file ("-" reads stdin)
  -o, --out <file>      Where to write the MP4 (folders are created)
  --scenes <n>          Number of scenes, 1–12 (default 5)
  --aspect <ratio>      9:16 (default), 16:9 or 1:1
  --language <code>     en, ru, zh, ko or ja (default: detected from the story)
  --no-captions         Leave out the burned-in captions
  --karaoke             Captions that highlight each word as it is spoken
  --style <text>        Visual style (default "storybook illustration")
  --fps <n>             Frames per second, 12–60 (default 30)
  --transition <kind>   crossfade (default), dissolve, wipeleft, slideup or cut
  --provider <name>     offline or replicate (default: replicate when keys are set)
  --model <owner/name>  Replicate image model (default REPLICATE_IMAGE_MODEL)

Planning:
  --planner <name>      llm or offline (default: the LLM when LLM_MODEL is set, falling back
                        to the offline splitter; "llm" fails instead of falling back)
  --structure <kind>    scenes (default) or five-act (hook, setup, rising action, climax, resolution)
  --target-seconds <n>  Upper bound for the narration's length, 5–180 (the LLM writes to fit it)

Voice:
  --voice-provider <p>  espeak, openai, elevenlabs or replicate (default NARRATION_PROVIDER)
  --voice <name>        The provider's voice (an espeak-ng voice name, an OpenAI voice,
                        an ElevenLabs voice name or id); default: one per language
  --voice-model <id>    The provider's model (e.g. eleven_multilingual_v2, gpt-4o-mini-tts)
  --speed <x>           0.5–2 (1 is the voice's own pace)

Music:
  --music <source>      none (default), generated (made locally, offline), url or replicate
  --music-url <url>     A track to lay under the narration (http/https; implies --music url)
  --music-prompt <text> What the music should sound like (replicate; a hint for generated)
  --music-volume <x>    0–1, level of the bed before ducking (default 0.3)

Moving scenes (Replicate):
  --visuals <mode>      image (default), video (text-to-video) or image-to-video (the scene's
                        image, animated); one for all scenes, or per scene: video,image,video
  --video-model <id>    Replicate video model (default REPLICATE_VIDEO_MODEL, or
                        REPLICATE_I2V_MODEL for image-to-video)
  --clip-fit <fit>      A clip shorter than its scene: hold (default, last frame with a slow
                        zoom), loop or slow
  --strict              Fail the run when a clip fails for good, instead of showing the still

  --estimate            Print what the short would cost and stop (starts nothing, calls no provider)
  --json                Print one JSON object with the result on stdout, nothing else
  -h, --help            Show this help

Ctrl-C while waiting cancels the run in Temporal. Exit codes: 0 done, 1 failed, 2 bad usage, 130 cancelled.
`;

export const make: Command = defineCommand({
  name: 'make',
  usage: USAGE,
  options: OPTIONS,
  positionals: [],
  async run({ values, config: loadConfig }) {
    if (values.estimate) return printEstimate(await requestFromFlags(values), loadConfig(), values.json === true);
    if (!values.out) throw new UsageError('--out <file.mp4> is required', 'make');
    const input = await requestFromFlags(values);
    const out = path.resolve(values.out);
    const config = loadConfig();
    const log = (line: string) => process.stderr.write(`${line}\n`);

    const stack = {
      log,
      noun: 'run',
      queuesPolled: (client: Client) => workersPolling(client, config),
      describeQueues: `task queue "${config.taskQueue}"`,
    };
    return withLocalStack(config, stack, async ({ client, interrupt, startedServer, workerWatch }) => {
      const runs = new RunService(client, config);
      const started = await runs.start(shortKind, input);
      log(`Started ${started.id} · ${started.webUiUrl}`);
      const view = createShortProgressView();
      const { status, cancelRequested } = await waitForRun(runs, shortKind, started.id, {
        view,
        interrupt,
        cancellingNote: `reelflow: asking Temporal to cancel ${started.id}; the run stops at its next step…`,
        ...workerWatch(view),
      });
      view.finish();
      if (cancelRequested) return reportCancelled(status);
      if (status.status !== 'completed' || !status.result) return reportFailure(status);
      const sizeBytes = await deliver(status.result, out);
      const summary = { id: status.id, output: out, sizeBytes, webUiUrl: status.webUiUrl };
      if (values.json) printJson(summary, status.result);
      else printSummary(summary, status.result, config, startedServer);
      return 0;
    });
  },
});

/** `make --estimate`: the request validated and resolved as a start would, priced, nothing started. */
function printEstimate(request: ParsedShortRequest, config: Config, json: boolean): number {
  const estimate = estimateShort(shortVideoInputSchema.parse(shortKind.toInput(request, config)));
  if (json) process.stdout.write(`${JSON.stringify({ estimate })}\n`);
  else process.stdout.write(`Estimated cost of this short:\n${describeEstimate(estimate).join('\n')}\n`);
  return 0;
}

async function deliver(result: ShortResult, out: string): Promise<number> {
  await mkdir(path.dirname(out), { recursive: true });
  try {
    await copyFile(result.videoPath, out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new CliError(
      `The video is ready at ${result.videoPath} on the worker's storage, which this machine cannot read.`,
      'Run the CLI where DATA_DIR is shared with the workers, or download it through the HTTP API.',
    );
  }
  return (await stat(out)).size;
}

interface Delivered {
  id: string;
  output: string;
  sizeBytes: number;
  webUiUrl: string;
}

function printJson(delivered: Delivered, result: ShortResult): void {
  const { id, output, sizeBytes, webUiUrl } = delivered;
  const { durationSec, width, height, providers, offline, soundtrack, fallbacks, cost } = result;
  const plan = result.plan && {
    title: result.plan.title,
    planner: result.plan.planner,
    structure: result.plan.structure,
    ...(result.plan.fallbackReason ? { fallbackReason: result.plan.fallbackReason } : {}),
  };
  process.stdout.write(
    `${JSON.stringify({ id, output, durationSec, width, height, sizeBytes, providers, offline, plan, soundtrack, fallbacks, cost, webUiUrl })}\n`,
  );
}

function printSummary(delivered: Delivered, result: ShortResult, config: Config, embeddedServer: boolean): void {
  const lines = [
    `✓ ${displayPath(delivered.output)}`,
    `  id          ${delivered.id}`,
    `  video       ${formatSeconds(result.durationSec)} · ${result.width}×${result.height} · ${result.fps} fps · ${formatBytes(delivered.sizeBytes)}`,
    `  language    ${result.language}`,
    `  providers   ${formatProviders(result.providers)}`,
    ...planLines(result),
    ...sceneLines(result),
    ...(result.cost ? [`  cost        ${describeCost(result.cost)}`] : []),
    ...(result.soundtrack
      ? [
          `  sound       ${result.soundtrack.integratedLufs.toFixed(1)} LUFS · true peak ${result.soundtrack.truePeakDbtp.toFixed(1)} dBTP · music ${result.soundtrack.music.provider ?? 'none'}`,
        ]
      : []),
    ...(result.offline
      ? ['  note        offline placeholder art and espeak-ng narration (no AI providers configured)']
      : []),
    `  Web UI      ${delivered.webUiUrl}`,
    ...(embeddedServer
      ? [
          `              (the dev server this command started has stopped; \`reelflow dev\` serves the history again at ${config.temporal.uiUrl})`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** "plan  “The keeper's light” · five-act", and why the LLM did not plan it when it did not. */
function planLines(result: ShortResult): string[] {
  const plan = result.plan;
  if (!plan) return [];
  const lines = [
    `  plan        ${plan.title ? `“${plan.title}” · ` : ''}${plan.structure ?? 'scenes'} · ${plan.planner}`,
  ];
  if (plan.fallbackReason)
    lines.push(`              planned offline because the LLM could not: ${plan.fallbackReason.split('\n')[0]}`);
  return lines;
}

/** "scenes  3 clips · 2 stills", and every video scene that shows its still instead, with why. */
function sceneLines(result: ShortResult): string[] {
  const videoScenes = result.scenes.filter((s) => s.visualMode);
  if (!videoScenes.length) return [];
  const clips = result.scenes.filter((s) => s.clipRef).length;
  const lines = [
    `  scenes      ${clips} clip${clips === 1 ? '' : 's'} · ${result.scenes.length - clips} still${result.scenes.length - clips === 1 ? '' : 's'}`,
  ];
  for (const f of result.fallbacks ?? [])
    lines.push(
      `              scene ${f.scene} shows its still: the clip failed (${f.type ?? 'error'}: ${f.reason.split('\n')[0]})`,
    );
  return lines;
}

function reportCancelled(status: ShortState): number {
  const state = status.status === 'running' ? 'cancellation requested; the run stops at its next step' : status.status;
  process.stderr.write(`reelflow: ${status.id}: ${state}. Web UI: ${status.webUiUrl}\n`);
  return EXIT_INTERRUPTED;
}

function reportFailure(status: ShortState): number {
  const what =
    status.status === 'cancelled'
      ? 'was cancelled from outside (reelflow cancel, the API or the Web UI)'
      : `ended ${status.status}${status.error ? ` (${status.error.type}: ${status.error.message})` : ''}`;
  process.stderr.write(`reelflow: The short ${status.id} ${what}. Web UI: ${status.webUiUrl}\n`);
  return 1;
}
