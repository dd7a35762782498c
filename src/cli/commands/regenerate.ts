import type { Client } from '@temporalio/client';
import { type ChildRun, prepareRevision, revisionEditSchema, startChildRun } from '../../runs/revisions.js';
import { RunService } from '../../runs/service.js';
import { describeIssues } from '../../util/describeIssues.js';
import type { Command } from '../command.js';
import { defineCommand } from '../defineCommand.js';
import { UsageError } from '../errors.js';
import { followShort, outPath, shortStack } from '../followShort.js';
import { withLocalStack } from '../localStack.js';

const USAGE = `Usage: reelflow regenerate <id> --scene <n> [--prompt <text>] [--narration <text>]
                           [--motion-prompt <text>] [--out <file.mp4>] [--json]

Makes a completed short again with one scene changed: a new run whose id names its parent
(…-rev-…), with the parent's plan and only that scene's image prompt, narration or motion prompt
replaced. Every unchanged image and clip comes from the generation cache, so only the changed
scene is paid for. Waits for it as \`make\` does, then copies the MP4 to --out. The same as
POST /v1/shorts/<id>/scenes/<n>/regenerate.

Options:
  --scene <n>             The scene to change, 1-based (as \`reelflow status <id>\` numbers them)
  --prompt <text>         Its new image prompt
  --narration <text>      Its new narration
  --motion-prompt <text>  Its new motion prompt (video scenes)
  -o, --out <file>        Where to write the MP4 (default: <new id>.mp4 in this folder)
  --json                  Print one JSON object with the result on stdout, nothing else
  -h, --help              Show this help

Give at least one of --prompt, --narration, --motion-prompt. A short that has not completed or a
scene it does not have is refused before anything starts. Ctrl-C while waiting cancels the
revision. Exit codes: 0 done, 1 failed or refused, 2 bad usage, 130 cancelled.
`;

/** The API's field names as this command spells them, so a complaint names the flag. */
const FLAG_FOR: Record<string, string> = {
  imagePrompt: '--prompt',
  narration: '--narration',
  motionPrompt: '--motion-prompt',
};

export const regenerate: Command = defineCommand({
  name: 'regenerate',
  usage: USAGE,
  options: {
    scene: { type: 'string' },
    prompt: { type: 'string' },
    narration: { type: 'string' },
    'motion-prompt': { type: 'string' },
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  },
  positionals: ['id'],
  async run({ values, positionals: [id], config: loadConfig }) {
    if (values.scene === undefined)
      throw new UsageError('--scene <n> is required (1 is the first scene)', 'regenerate');
    const changes = { imagePrompt: values.prompt, narration: values.narration, motionPrompt: values['motion-prompt'] };
    if (Object.values(changes).every((v) => v === undefined)) {
      throw new UsageError('Nothing to change: give --prompt, --narration or --motion-prompt', 'regenerate');
    }
    const parsed = revisionEditSchema.safeParse(changes);
    if (!parsed.success) {
      const label = (path: string) => FLAG_FOR[path] ?? path;
      throw new UsageError(`Invalid edit: ${describeIssues(parsed.error, { label }).message}`, 'regenerate');
    }
    const config = loadConfig();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    let revision: ChildRun | undefined;
    const stack = {
      ...shortStack(config, log),
      // Refused (not completed, no such scene) before a worker is started for nothing.
      prepare: async (client: Client) => {
        revision = await prepareRevision(new RunService(client, config), id!, values.scene!, parsed.data);
      },
    };
    return withLocalStack(config, stack, async (local) => {
      const runs = new RunService(local.client, config);
      const started = await startChildRun(runs, revision!);
      log(`Started ${started.id}: ${id} with scene ${started.scene} changed · ${started.webUiUrl}`);
      const out = outPath(values.out, started.id);
      return followShort(runs, local, started.id, { out, json: values.json === true, config });
    });
  },
});
