import path from 'node:path';
import type { Config } from '../../config/index.js';
import { type ParsedShortRequest, shortVideoInputSchema } from '../../domain/shortRequest.js';
import { describeEstimate, estimateShort } from '../../runs/estimate.js';
import { shortKind } from '../../runs/kinds/short.js';
import { RunService } from '../../runs/service.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { followWithApproval } from '../approval/review.js';
import { UsageError } from '../errors.js';
import { followShort, shortStack } from '../followShort.js';
import { withLocalStack } from '../localStack.js';
import { requestFromFlags } from '../requestFromFlags.js';

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
  render: { type: 'string' },
  approve: { type: 'boolean' },
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
  --render MODE         one-pass (default) or segmented: slower once, then a regenerate
                        re-encodes only the scene it changed

  --approve             Stop once the plan is made: print it scene by scene with its estimate
                        and ask on the terminal: yes (make it), no (cancel the run) or edit
                        (the scenes as JSON in $VISUAL / $EDITOR / vi; a refused edit is asked
                        again). Without a terminal the answer is read from stdin: echo yes | …
  --estimate            Print what the short would cost and stop (starts nothing, calls no provider)
  --json                Print one JSON object with the result on stdout, nothing else
  -h, --help            Show this help

Ctrl-C while waiting cancels the run in Temporal. Exit codes: 0 done, 1 failed (or the plan was
rejected), 2 bad usage, 130 cancelled. A failed short is made again with \`reelflow retry <id>\`, one
scene of a finished one with \`reelflow regenerate <id> --scene <n> …\`.
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

    return withLocalStack(config, shortStack(config, log), async (local) => {
      const runs = new RunService(local.client, config);
      const started = await runs.start(shortKind, input);
      log(`Started ${started.id} · ${started.webUiUrl}`);
      const delivery = { out, json: values.json === true, config };
      if (values.approve) return followWithApproval(runs, local, started.id, delivery);
      return followShort(runs, local, started.id, delivery);
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
