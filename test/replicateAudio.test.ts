import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShortResult } from '../src/domain/result.js';
import { measureLoudness } from '../src/media/audio/loudness.js';
import { shortVideo } from '../src/workflows/index.js';
import { DEFAULT_MUSIC_MODEL, DEFAULT_SPEECH_MODEL } from '../src/workflows/replicateActivities.js';
import { probe } from './support/media.js';
import { historyText } from './support/history.js';
import { type PoolFixture, startPoolFixture, uniqueStory } from './support/replicate.js';
import { type RunningWorkers, connectTestClient, startTestWorkers, tools } from './support/temporal.js';

/**
 * Voices and music on the Replicate key pool: the same durable predictions as the images, through
 * the emulator's real audio (espeak-made speech, a generated bed), counted by its accounting.
 */
let client: Client;
let fixture: PoolFixture;
let workers: RunningWorkers;

beforeAll(async () => {
  client = await connectTestClient();
  fixture = await startPoolFixture(1, 6, { latencySeconds: 0.3, jitter: 0.2 });
  workers = await startTestWorkers({ replicate: fixture.replicate });
});

afterAll(async () => {
  await workers?.stop();
  await fixture?.emulator.close();
  await client?.connection.close();
});

function start(input: Record<string, unknown>) {
  return client.workflow.start(shortVideo, {
    taskQueue: workers.taskQueue,
    workflowId: `short-replicate-audio-${randomUUID()}`,
    args: [{ aspect: '1:1', fps: 12, captions: false, transition: { type: 'cut', duration: 0 }, ...input } as never],
  });
}

describe('a short whose images, voice and music all come from the key pool', () => {
  let result: ShortResult;
  let historyJson: string;

  beforeAll(async () => {
    fixture.emulator.reset();
    const handle = await start({
      story: uniqueStory('the pooled harbour', 2),
      sceneCount: 2,
      provider: 'replicate',
      model: 'black-forest-labs/flux-schnell',
      narration: { provider: 'replicate', model: DEFAULT_SPEECH_MODEL },
      music: { source: 'replicate', model: DEFAULT_MUSIC_MODEL, prompt: 'soft piano' },
    });
    result = await handle.result();
    historyJson = await historyText(await handle.fetchHistory());
  });

  it('makes one prediction per image, per narration and one for the bed', () => {
    const byModel = new Map<string, number>();
    for (const c of fixture.emulator.stats().creates) byModel.set(c.model, (byModel.get(c.model) ?? 0) + 1);
    expect(Object.fromEntries(byModel)).toEqual({
      'black-forest-labs/flux-schnell': 2,
      'minimax/speech-02-turbo': 2,
      'meta/musicgen': 1,
    });
  });

  it('narrates with the speech model and lays its bed under the voice at −14 LUFS', async () => {
    expect(result.providers.narration).toEqual([`replicate:${DEFAULT_SPEECH_MODEL}`]);
    expect(result.soundtrack?.music).toMatchObject({
      source: 'replicate',
      provider: `replicate:${DEFAULT_MUSIC_MODEL}`,
    });
    const media = await probe(result.videoPath);
    expect(media.streams.find((s) => s.type === 'audio')).toMatchObject({ sampleRate: 48000 });
    const loudness = await measureLoudness(tools, result.videoPath);
    expect(Math.abs(loudness.integratedLufs - -14)).toBeLessThanOrEqual(1);
  });

  it('keeps the tokens out of the history', () => {
    for (const token of fixture.tokens) expect(historyJson).not.toContain(token);
  });
});

describe('a speech model that cannot speak the language', () => {
  it('fails the run typed, naming the model and the language', async () => {
    const handle = await start({
      story: 'Лиса проснулась рано. Она побежала к реке.',
      sceneCount: 1,
      narration: {
        provider: 'replicate',
        model: 'jaaari/kokoro-82m:f559560eb822dc509045f3921a1921234918b91739db4bf3daab2169b71c7a13',
      },
    });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    let cause = (err as WorkflowFailedError).cause as { type?: string; message?: string; cause?: unknown } | undefined;
    while (cause?.cause) cause = cause.cause as typeof cause;
    expect(cause?.type).toBe('ReplicateInvalidInput');
    expect(cause?.message).toMatch(/kokoro-82m has no ru voice/);
  });
});
