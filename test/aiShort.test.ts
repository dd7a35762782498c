import type { Client } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { type ElevenLabsEmulator, startElevenLabsEmulator } from '../src/emulators/elevenlabs/index.js';
import { type OpenAiEmulator, startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { measureLoudness } from '../src/media/audio/loudness.js';
import { probe } from './support/media.js';
import { type CliOutcome, reelflow } from './support/cli.js';
import { historyText } from './support/history.js';
import { connectTestClient, tempDataDir, tools } from './support/temporal.js';

/**
 * The AI short as a person makes it: the real `reelflow make` process against the LLM and
 * ElevenLabs emulators, a real Temporal server and real ffmpeg. The "done" check: the LLM's
 * five acts, captions on the spoken words, −14 LUFS; an LLM answering garbage still makes a short,
 * planned offline, saying why; and no key anywhere it could leak.
 */
const LLM_KEY = `sk-proj-${'aiShortTestKey00'.repeat(2)}`;
const ELEVEN_KEY = `sk_${'a1b2c3d4'.repeat(6)}`;
const STORY =
  'The old keeper climbed the lighthouse every night. A storm came from the sea. A small boat was lost in the waves. ' +
  'She swung the beam toward the rocks. At dawn the boat came home, and the boy ran up the path to thank her.';

let client: Client;
let llm: OpenAiEmulator;
let eleven: ElevenLabsEmulator;

beforeAll(async () => {
  client = await connectTestClient();
  [llm, eleven] = await Promise.all([
    startOpenAiEmulator({ keys: [LLM_KEY] }),
    startElevenLabsEmulator({ apiKeys: [ELEVEN_KEY] }),
  ]);
});

afterAll(async () => {
  await Promise.all([llm?.close(), eleven?.close()]);
  await client?.connection.close();
});

/** The file's audio as mono 32-bit floats at `rate` Hz. */
function decodeMono(file: string, rate: number): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    execFile(
      tools.ffmpeg,
      ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', String(rate), '-f', 'f32le', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout: Buffer) => {
        if (err) return reject(err);
        resolve(new Float32Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 4)));
      },
    );
  });
}

function rmsDb(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return 10 * Math.log10(sum / Math.max(1, samples.length) + 1e-12);
}

async function providersEnv(model: string): Promise<NodeJS.ProcessEnv> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REELFLOW_TASK_QUEUE: `ai-short-${randomUUID()}`,
    DATA_DIR: await tempDataDir(),
    RENDER_PRESET: 'ultrafast',
    LLM_BASE_URL: llm.url,
    LLM_MODEL: model,
    LLM_API_KEY: LLM_KEY,
    ELEVENLABS_BASE_URL: eleven.url,
    ELEVENLABS_API_KEY: ELEVEN_KEY,
    LOG_LEVEL: 'warn',
  };
}

describe('reelflow make --planner llm --structure five-act --voice-provider elevenlabs --music generated', () => {
  let env: NodeJS.ProcessEnv;
  let made: { id: string; output: string };
  let result: ShortResult;
  let makeOutput: CliOutcome;

  beforeAll(async () => {
    env = await providersEnv('emulator-planner');
    const out = `${env.DATA_DIR}/out/ai-short.mp4`;
    makeOutput = await reelflow(
      [
        'make',
        '--story',
        STORY,
        '--scenes',
        '5',
        '--aspect',
        '1:1',
        '--fps',
        '15',
        '--out',
        out,
        '--json',
        '--planner',
        'llm',
        '--structure',
        'five-act',
        '--voice-provider',
        'elevenlabs',
        '--music',
        'generated',
      ],
      env,
    );
    expect(makeOutput.code, makeOutput.stderr).toBe(0);
    made = JSON.parse(makeOutput.stdout) as { id: string; output: string };
    result = (await client.workflow.getHandle(made.id).result()) as ShortResult;
  });

  it("plans the short with the LLM's five acts", () => {
    expect(result.providers.plan).toBe('llm:emulator-planner');
    expect(result.plan?.scenes.map((s) => s.act)).toEqual(['hook', 'setup', 'rising-action', 'climax', 'resolution']);
    expect(result.plan?.scenes.every((s) => /^[\x20-\x7e]+$/.test(s.imagePrompt ?? ''))).toBe(true);
    expect(llm.stats().plans).toBe(1);
  });

  it('speaks with ElevenLabs, whose word timings time the captions', () => {
    expect(result.providers.narration).toEqual(['elevenlabs']);
    expect(result.scenes.map((s) => s.wordsSource)).toEqual(Array(5).fill('provider'));
    expect(eleven.stats().totals.syntheses).toBe(5);
  });

  it('lays a generated bed under the narration and comes out at −14 LUFS, true peak ≤ −1 dBTP', async () => {
    expect(result.soundtrack?.music).toMatchObject({
      source: 'generated',
      provider: 'generated-ambient',
      offline: true,
    });
    const media = await probe(made.output);
    expect(media.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    const loudness = await measureLoudness(tools, made.output);
    expect(Math.abs(loudness.integratedLufs - -14)).toBeLessThanOrEqual(1);
    expect(loudness.truePeakDbtp).toBeLessThanOrEqual(-1);
  });

  it('keeps the voice on top: speech stands ≥ 6 dB over the bed between the lines', async () => {
    // Between scenes here (about 1 s with the cross-fade) the bed rises again from its ducked level,
    // so this compares speech with a bed that is at most partly ducked; the exact 12 dB ducking is
    // measured on the stems in soundtrack.test.ts.
    const samples = await decodeMono(made.output, 16_000);
    const level = (fromSec: number, toSec: number) =>
      rmsDb(samples.subarray(Math.round(fromSec * 16_000), Math.round(toSec * 16_000)));
    const speech: number[] = [];
    const between: number[] = [];
    result.scenes.forEach((scene, i) => {
      const start = scene.narrationStartSec;
      const end = start + scene.narrationDurationSec;
      speech.push(level(start + 0.2, end - 0.2));
      const next = result.scenes[i + 1];
      if (next && next.narrationStartSec - end > 0.3) between.push(level(end + 0.05, next.narrationStartSec - 0.05));
    });
    expect(between.length).toBeGreaterThan(0);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(median(speech) - median(between)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...between)).toBeGreaterThan(-70); // the bed is there, not silence
  });

  it('schedules the narration before the last image is done: they run side by side', async () => {
    const events = (await client.workflow.getHandle(made.id).fetchHistory()).events ?? [];
    const scheduled = new Map<string, string>();
    for (const e of events) {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (name) scheduled.set(String(e.eventId), name);
    }
    const idOf = (name: string, kind: 'scheduled' | 'completed') =>
      events
        .filter((e) =>
          kind === 'scheduled'
            ? e.activityTaskScheduledEventAttributes?.activityType?.name === name
            : scheduled.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)) === name,
        )
        .map((e) => Number(e.eventId));
    const firstNarrationScheduled = Math.min(...idOf('synthesizeNarration', 'scheduled'));
    const lastImageDone = Math.max(...idOf('generateSceneImage', 'completed'));
    expect(firstNarrationScheduled).toBeLessThan(lastImageDone);
  });

  it('leaves no key in the history, the CLI output or the result', async () => {
    const history = await historyText(await client.workflow.getHandle(made.id).fetchHistory());
    for (const text of [history, makeOutput.stdout, makeOutput.stderr, JSON.stringify(result)]) {
      expect(text).not.toContain(LLM_KEY);
      expect(text).not.toContain(ELEVEN_KEY);
    }
  });
});

describe('an LLM that answers garbage', () => {
  it('still makes the short, planned offline, and says why', async () => {
    const env = await providersEnv('plan-garbage');
    const out = `${env.DATA_DIR}/out/fallback.mp4`;
    const made = await reelflow(
      ['make', '--story', STORY, '--scenes', '3', '--aspect', '1:1', '--fps', '12', '--out', out, '--json'],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    const { id } = JSON.parse(made.stdout) as { id: string };
    const result = (await client.workflow.getHandle(id).result()) as ShortResult;
    expect(result.providers.plan).toBe('offline-splitter');
    expect(result.plan?.fallbackReason).toMatch(/^PlanInvalid: .*did not return a usable plan/);
    expect((await probe(out)).durationSec).toBeGreaterThan(3);
  });

  it('fails typed when the LLM was asked for explicitly', async () => {
    const env = await providersEnv('plan-garbage');
    const made = await reelflow(
      ['make', '--story', STORY, '--scenes', '3', '--planner', 'llm', '--out', `${env.DATA_DIR}/x.mp4`],
      env,
    );
    expect(made.code).toBe(1);
    expect(made.stderr).toMatch(/ended failed \(PlanInvalid: /);
  });
});
