/**
 * `reelflow make --approve` as a person runs it, answers piped on stdin: the real CLI in its own
 * process against a worker set with the emulator's key on this file's task queue. The plan and its
 * estimate are printed before anything is paid for; "yes" makes it, "no" cancels it with nothing
 * predicted, and "edit" opens $EDITOR (a script here) on the scenes as JSON: an edit the run
 * refuses is asked again and changes nothing, a valid one is the plan the short is made from.
 */
import type { Client } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { terminateAll } from './support/api.js';
import { type CliOutcome, reelflow } from './support/cli.js';
import { type PoolFixture, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tempDataDir } from './support/temporal.js';

const QUESTION = 'Make this short? [y]es, [n]o (cancel it), [e]dit the scenes: ';

let client: Client;
let pool: PoolFixture;
let workers: RunningWorkers;
let env: NodeJS.ProcessEnv;
const started = new Set<string>();

beforeAll(async () => {
  client = await connectTestClient();
  pool = await startPoolFixture(1, 4, { latencySeconds: 0.2, jitter: 0 });
  workers = await startTestWorkers({ replicate: pool.replicate });
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: workers.taskQueue,
    DATA_DIR: workers.dataDir,
    RENDER_PRESET: 'ultrafast',
    REPLICATE_API_TOKEN: pool.tokens[0],
    REPLICATE_BASE_URL: pool.emulator.url,
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await terminateAll(client, started);
  await workers?.stop();
  await pool?.emulator.close();
  await client?.connection.close();
});

/** `make --approve` of a quick three-scene Replicate short; `answers` are the lines on stdin. */
async function makeWithApproval(tag: string, answers: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const out = path.join(await tempDataDir(), 'out', `${tag.replace(/\W+/g, '-')}.mp4`);
  const args = ['make', '--story', uniqueStory(tag, 3), '--scenes', '3', '--provider', 'replicate'];
  args.push('--aspect', '1:1', '--fps', '12', '--no-captions', '--transition', 'cut');
  const outcome = await reelflow(
    [...args, '--approve', '--out', out, '--json'],
    { ...env, ...extraEnv },
    {
      input: answers,
    },
  );
  const id = /Started (short-\S+) ·/.exec(outcome.stderr)?.[1];
  if (id) started.add(id);
  return { ...outcome, id, out };
}

function questionsAsked(outcome: CliOutcome): number {
  return outcome.stderr.split(QUESTION).length - 1;
}

/** An editor that does one thing per call: each call writes the next of `contents` over the file. */
async function scriptedEditor(contents: unknown[]): Promise<string> {
  const dir = await tempDataDir();
  const script = path.join(dir, 'edit.mjs');
  await writeFile(
    script,
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const counter = ${JSON.stringify(path.join(dir, 'calls'))};
const call = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
writeFileSync(counter, String(call + 1));
writeFileSync(process.argv[2], JSON.stringify(${JSON.stringify(contents)}[call]));
`,
  );
  return `"${process.execPath}" "${script}"`;
}

describe('reelflow make --approve', () => {
  it('prints the plan and its estimate, and "yes" makes the short as planned', { timeout: 180_000 }, async () => {
    const before = pool.emulator.stats().totals.created;
    const made = await makeWithApproval('the approved harbour', 'yes\n');

    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain(`Plan for ${made.id}:`);
    for (const n of [1, 2, 3])
      expect(made.stderr).toMatch(new RegExp(`\\n\\s+${n}  (calm|warm|joyful|mysterious|tense|sad|epic)\\n`));
    expect(made.stderr).toMatch(/narration {5}The fox ran to the river in the approved harbour\./);
    expect(made.stderr).toMatch(/image prompt {2}.*the approved harbour/);
    // Three Replicate images at the catalog's price; espeak-ng narration is free.
    expect(made.stderr).toMatch(/Estimated cost once approved:\n(.*\n)*\s+total ≈ \$0\.0090 for 3 predictions/);
    expect(made.stderr).toContain(`${QUESTION}yes\nApproved as planned.`);
    expect(questionsAsked(made)).toBe(1);

    // stdout is the one JSON line: the plan and the question went to stderr.
    expect(made.stdout.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(made.stdout) as { id: string; cost: { predictions: number } };
    expect(json).toMatchObject({ id: made.id, output: made.out, cost: { usd: 0.009, predictions: 3 } });
    expect(pool.emulator.stats().totals.created - before).toBe(3);
    expect(existsSync(made.out)).toBe(true);
  });

  it('"no" cancels the run before anything is predicted, and exits non-zero', { timeout: 120_000 }, async () => {
    const before = pool.emulator.stats().totals.created;
    const made = await makeWithApproval('the rejected harbour', 'no\n');

    expect(made.code).toBe(1);
    expect(made.stderr).toContain('total ≈ $0.0090 for 3 predictions');
    expect(made.stderr).toMatch(
      new RegExp(`reelflow: The plan was rejected: ${made.id} was cancelled before anything was paid for\\. `),
    );
    expect(made.stdout).toBe('');
    expect((await client.workflow.getHandle(made.id!).describe()).status.name).toBe('CANCELLED');
    expect(pool.emulator.stats().totals.created - before).toBe(0);
    expect(existsSync(made.out)).toBe(false);
  });

  it('stdin that closes without an answer rejects the plan the same way', { timeout: 120_000 }, async () => {
    const before = pool.emulator.stats().totals.created;
    const made = await makeWithApproval('the unanswered harbour', '');

    expect(made.code).toBe(1);
    expect(made.stderr).toMatch(/No answer came before stdin closed, so the plan was rejected: .* was cancelled/);
    expect((await client.workflow.getHandle(made.id!).describe()).status.name).toBe('CANCELLED');
    expect(pool.emulator.stats().totals.created - before).toBe(0);
  });

  it(
    '"edit" opens $EDITOR on the scenes; a refused edit is asked again, a valid one is the plan made',
    { timeout: 180_000 },
    async () => {
      const narration = 'The fox found a golden key in the edited harbour.';
      const imagePrompt = 'storybook illustration: a golden key on the wet sand of the edited harbour';
      const editor = await scriptedEditor([
        [{}, {}], // two scenes for a plan of three: the workflow's validator refuses it
        [{ narration, mood: 'epic' }, {}, {}], // a field an approval cannot change: the schema refuses it
        [{ narration }, { imagePrompt }, {}],
      ]);
      const before = pool.emulator.stats().totals.created;
      const made = await makeWithApproval('the edited harbour', 'edit\nedit\nedit\n', { VISUAL: '', EDITOR: editor });

      expect(made.code, made.stderr).toBe(0);
      expect(made.stderr).toMatch(
        /The run refused the edit: The edit has 2 scene\(s\); the plan has 3\..* Nothing changed; the plan still waits\./,
      );
      expect(made.stderr).toMatch(/The edit is not valid: scene 1 mood: unknown field "mood"\. Nothing was sent/);
      expect(made.stderr).toContain('Approved with your edits.');
      expect(questionsAsked(made)).toBe(3);

      const result = (await client.workflow.getHandle(made.id!).result()) as ShortResult;
      expect(result.plan!.scenes[0]!.narration).toBe(narration);
      expect(result.plan!.scenes[1]!.imagePrompt).toBe(imagePrompt);
      expect(result.plan!.scenes[2]!.narration).toBe('It slept in the warm sun in the edited harbour.');
      expect(result.scenes[0]!.preview).toContain('The fox found a golden key');
      // The refused edits cost nothing: one image per scene, the edited one among them.
      expect(pool.emulator.stats().totals.created - before).toBe(3);
    },
  );
});
