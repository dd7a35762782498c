import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPipelineActivities } from '../src/activities/index.js';
import type { NarrationWords } from '../src/domain/words.js';
import { type ElevenLabsEmulator, startElevenLabsEmulator } from '../src/emulators/elevenlabs/index.js';
import { type OpenAiEmulator, startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { createElevenLabsProvider } from '../src/providers/elevenlabs.js';
import { ProviderErrorTypes } from '../src/providers/failures.js';
import { createOpenAiSpeechProvider } from '../src/providers/openaiSpeech.js';
import { LocalStorage } from '../src/storage/index.js';
import { typedRunner } from './support/activityEnv.js';
import { probe } from './support/media.js';
import { offlineDeps, tempDataDir } from './support/temporal.js';

/**
 * Every voice provider through the real narration activity, against emulators that speak the real
 * protocols (the official ElevenLabs client, the openai package): the clip is 48 kHz, long enough for
 * its text, the words' times come along where the voice gives them, and every refusal is typed.
 */
const ELEVEN_KEY = `sk_${'0123456789abcdef'.repeat(3)}`;
const OPENAI_KEY = `sk-proj-${'speechTestKey000'.repeat(2)}`;

let eleven: ElevenLabsEmulator;
let openai: OpenAiEmulator;

beforeAll(async () => {
  [eleven, openai] = await Promise.all([
    startElevenLabsEmulator({ apiKeys: [ELEVEN_KEY], characterLimit: 5_000 }),
    startOpenAiEmulator({ keys: [OPENAI_KEY] }),
  ]);
});
afterAll(async () => {
  await eleven?.close();
  await openai?.close();
});
beforeEach(() => {
  eleven.reset();
  openai.reset();
});

const STORIES = {
  en: 'The fox woke up early. It ran to the river and laughed.',
  ru: 'Лиса проснулась рано. Она побежала к реке и засмеялась.',
  zh: '小狐狸很早就醒了。它跑到河边笑了。',
  ko: '여우는 일찍 일어났다. 여우는 강으로 달려가 웃었다.',
};

async function narrate(
  provider: 'elevenlabs' | 'openai',
  language: keyof typeof STORIES,
  keys = { eleven: ELEVEN_KEY, openai: OPENAI_KEY },
) {
  const dataDir = await tempDataDir();
  const deps = offlineDeps(dataDir, {
    speechProviders: {
      elevenlabs: createElevenLabsProvider({
        baseUrl: eleven.url,
        apiKey: keys.eleven,
        maskedKey: 'sk_…cdef',
        model: 'eleven_multilingual_v2',
      }),
      openai: createOpenAiSpeechProvider({
        baseUrl: openai.url,
        apiKey: keys.openai,
        maskedKey: 'sk-…0000',
        model: 'tts-1',
      }),
    },
  });
  const activities = createPipelineActivities(deps);
  const run = typedRunner(new MockActivityEnvironment());
  const plan = await run(activities.planScenes, {
    runKey: 'voices',
    story: STORIES[language],
    sceneCount: 1,
    style: 'ink',
  });
  const narration = await run(activities.synthesizeNarration, {
    runKey: 'voices',
    planRef: plan.planRef,
    sceneIndex: 0,
    language,
    provider,
  });
  return { narration, storage: new LocalStorage(dataDir) };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('ElevenLabs', () => {
  it.each(['en', 'ru', 'zh', 'ko'] as const)('%s: a 48 kHz clip with the words the voice timed', async (language) => {
    const { narration, storage } = await narrate('elevenlabs', language);
    expect(narration).toMatchObject({ provider: 'elevenlabs', offline: false, wordsSource: 'provider' });
    const media = await probe(storage.localPath(narration.narrationRef));
    expect(media.streams[0]).toMatchObject({ type: 'audio', sampleRate: 48000, channels: 1 });
    const words = JSON.parse((await readFile(storage.localPath(narration.wordsRef!))).toString()) as NarrationWords;
    expect(words.words.length).toBeGreaterThan(3);
    for (let i = 1; i < words.words.length; i++)
      expect(words.words[i]!.startSec).toBeGreaterThanOrEqual(words.words[i - 1]!.startSec);
    expect(words.words.at(-1)!.endSec).toBeLessThanOrEqual(narration.durationSec + 0.2);
    expect(eleven.stats().requests['POST /v1/text-to-speech/{voice_id}/with-timestamps']).toBe(1);
  });

  it('a bad key is SpeechAuthFailed, non-retryable, masked', async () => {
    const err = await failureOf(narrate('elevenlabs', 'en', { eleven: `sk_${'f'.repeat(48)}`, openai: OPENAI_KEY }));
    expect(err.type).toBe(ProviderErrorTypes.SpeechAuthFailed);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('ELEVENLABS_API_KEY');
    expect(err.message).not.toContain('f'.repeat(48));
  });

  it('a spent quota says so: SpeechQuotaExceeded, non-retryable', async () => {
    await eleven.close();
    eleven = await startElevenLabsEmulator({ apiKeys: [ELEVEN_KEY], characterLimit: 10 });
    const err = await failureOf(narrate('elevenlabs', 'en'));
    expect(err.type).toBe(ProviderErrorTypes.SpeechQuotaExceeded);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/quota .* is spent/);
    await eleven.close();
    eleven = await startElevenLabsEmulator({ apiKeys: [ELEVEN_KEY], characterLimit: 5_000 });
  });

  it('429 is SpeechRateLimited with the server’s wait', async () => {
    eleven.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 3, status: 'system_busy' } }, 'merge');
    const err = await failureOf(narrate('elevenlabs', 'en'));
    expect(err.type).toBe(ProviderErrorTypes.SpeechRateLimited);
    expect(err.nextRetryDelay).toBe(3000);
  });
});

describe('OpenAI speech', () => {
  it.each(['en', 'ru', 'zh', 'ko'] as const)('%s: a 48 kHz clip, no word timings', async (language) => {
    const { narration, storage } = await narrate('openai', language);
    expect(narration).toMatchObject({ provider: 'openai', offline: false });
    expect(narration.wordsRef).toBeUndefined();
    const media = await probe(storage.localPath(narration.narrationRef));
    expect(media.streams[0]).toMatchObject({ type: 'audio', sampleRate: 48000 });
    expect(openai.stats().byEndpoint.speech).toBe(1);
  });

  it('a bad key is SpeechAuthFailed naming OPENAI_TTS_API_KEY', async () => {
    const err = await failureOf(narrate('openai', 'en', { eleven: ELEVEN_KEY, openai: `sk-proj-${'x'.repeat(40)}` }));
    expect(err.type).toBe(ProviderErrorTypes.SpeechAuthFailed);
    expect(err.message).toContain('OPENAI_TTS_API_KEY');
    expect(err.message).not.toContain('x'.repeat(40));
  });

  it('429 is SpeechRateLimited with Retry-After', async () => {
    openai.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 2 } });
    const err = await failureOf(narrate('openai', 'en'));
    expect(err.type).toBe(ProviderErrorTypes.SpeechRateLimited);
    expect(err.nextRetryDelay).toBe(2000);
  });
});

describe('a voice this worker has not configured', () => {
  it('is SpeechNotConfigured naming the variable', async () => {
    const dataDir = await tempDataDir();
    const activities = createPipelineActivities(offlineDeps(dataDir));
    const run = typedRunner(new MockActivityEnvironment());
    const plan = await run(activities.planScenes, { runKey: 'nokeys', story: STORIES.en, sceneCount: 1, style: 'ink' });
    const err = await failureOf(
      run(activities.synthesizeNarration, {
        runKey: 'nokeys',
        planRef: plan.planRef,
        sceneIndex: 0,
        language: 'en',
        provider: 'elevenlabs',
      }),
    );
    expect(err.type).toBe(ProviderErrorTypes.SpeechNotConfigured);
    expect(err.message).toContain('ELEVENLABS_API_KEY');
  });
});
