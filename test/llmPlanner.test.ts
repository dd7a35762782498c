import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LlmConfig } from '../src/config/providers.js';
import type { Language } from '../src/domain/shortRequest.js';
import { type OpenAiEmulator, startOpenAiEmulator } from '../src/emulators/openai/index.js';
import { createLlmClient } from '../src/llm/client.js';
import { extractJson } from '../src/planner/extractJson.js';
import { planWithLlm } from '../src/planner/llmPlanner.js';
import type { PlanRequest } from '../src/planner/prompt.js';
import { ProviderErrorTypes } from '../src/providers/failures.js';
import { detectLanguage } from '../src/text/language.js';

/**
 * The LLM planner against the OpenAI-compatible emulator, through the real `openai` client: every
 * way a model answers badly, and every way an endpoint refuses. Each case is asserted on what the
 * planner returned and on the emulator's own accounting (how many requests, which output mode).
 */
const KEY = `sk-proj-${'plannerTestKey0'.repeat(3)}`;
let emulator: OpenAiEmulator;

const STORIES: Record<Language, string> = {
  en: 'A small fox woke up in the forest. It ran to the river to catch a fish. The fish laughed and swam away. The fox went home at night.',
  ru: 'Маленькая лиса проснулась в лесу. Она побежала к реке ловить рыбу. Рыба засмеялась и уплыла. Ночью лиса вернулась домой.',
  zh: '一只小狐狸在森林里醒来。它跑到河边去抓鱼。鱼笑着游走了。晚上狐狸回家了。',
  ko: '작은 여우가 숲에서 깨어났다. 여우는 물고기를 잡으러 강으로 달려갔다. 물고기는 웃으며 헤엄쳐 갔다. 밤에 여우는 집으로 돌아왔다.',
  ja: '小さなキツネが森で目を覚ました。キツネは魚をとりに川へ走った。魚は笑って泳いでいった。夜、キツネは家に帰った。',
};

function request(language: Language = 'en', extra: Partial<PlanRequest> = {}): PlanRequest {
  return { story: STORIES[language], language, sceneCount: 4, structure: 'scenes', style: 'watercolor', ...extra };
}

function config(model: string, structuredOutput: LlmConfig['structuredOutput'] = 'auto'): LlmConfig {
  return { baseUrl: emulator.url, apiKey: KEY, maskedKey: 'sk-…Key0', model, timeoutMs: 10_000, structuredOutput };
}

async function plan(model: string, req = request(), structuredOutput: LlmConfig['structuredOutput'] = 'auto') {
  const c = config(model, structuredOutput);
  return planWithLlm(createLlmClient(c), c, req);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const chatRequests = () => emulator.stats().log.filter((e) => e.endpoint === 'chat');

beforeAll(async () => {
  emulator = await startOpenAiEmulator({ keys: [KEY] });
});
afterAll(() => emulator?.close());
beforeEach(() => emulator.reset());

describe('a good answer', () => {
  it.each(['en', 'ru', 'zh', 'ko', 'ja'] as const)(
    '%s: narration stays in the story language, image prompts are English, exactly sceneCount scenes',
    async (language) => {
      const { plan: result, mode, repaired } = await plan('gpt-4o-mini', request(language));
      expect(result.scenes).toHaveLength(4);
      expect(repaired).toBe(false);
      expect(mode).toBe('json_schema');
      for (const scene of result.scenes) {
        if (language !== 'en') expect(detectLanguage(scene.narration)).toBe(language);
        expect(scene.imagePrompt).toMatch(/^[\x20-\x7e]+$/);
        expect(scene.imagePrompt).toMatch(/watercolor$/);
      }
      expect(chatRequests()).toHaveLength(1);
    },
  );

  it('five-act: every act, in order', async () => {
    const { plan: result } = await plan('gpt-4o-mini', request('en', { structure: 'five-act', sceneCount: 5 }));
    expect(result.scenes.map((s) => s.act)).toEqual(['hook', 'setup', 'rising-action', 'climax', 'resolution']);
  });
});

describe('answers that need digging out or repairing', () => {
  it.each(['plan-fenced', 'plan-prose', 'plan-think'])('%s: the JSON is found without a repair', async (model) => {
    const outcome = await plan(model);
    expect(outcome.repaired).toBe(false);
    expect(outcome.plan.scenes).toHaveLength(4);
    expect(chatRequests()).toHaveLength(1);
  });

  it.each(['plan-broken', 'plan-wrong-count'])('%s: one repair round trip fixes it', async (model) => {
    const outcome = await plan(model);
    expect(outcome.repaired).toBe(true);
    expect(outcome.plan.scenes).toHaveLength(4);
    expect(chatRequests().map((e) => e.repair)).toEqual([false, true]);
  });

  it.each(['plan-broken-always', 'plan-garbage'])(
    '%s: PlanInvalid after exactly one repair, non-retryable',
    async (model) => {
      const err = await failureOf(plan(model));
      expect(err.type).toBe(ProviderErrorTypes.PlanInvalid);
      expect(err.nonRetryable).toBe(true);
      expect(chatRequests()).toHaveLength(2);
    },
  );
});

describe('endpoints that do not do structured output', () => {
  it('plan-no-json-schema: falls back to JSON mode', async () => {
    const outcome = await plan('plan-no-json-schema');
    expect(outcome.mode).toBe('json_object');
    expect(chatRequests().map((e) => [e.responseFormat, e.status])).toEqual([
      ['json_schema', 400],
      ['json_object', 200],
    ]);
  });

  it('plan-text-only: falls back to plain text', async () => {
    const outcome = await plan('plan-text-only');
    expect(outcome.mode).toBe('text');
    expect(chatRequests().map((e) => e.status)).toEqual([400, 400, 200]);
  });
});

describe('refusals are typed failures that never show the key', () => {
  it('401 → LlmAuthFailed, non-retryable, naming the endpoint and the masked key', async () => {
    const c = { ...config('gpt-4o-mini'), apiKey: `sk-proj-${'wrongKeyWrongKey'.repeat(2)}`, maskedKey: 'sk-…gKey' };
    const err = await failureOf(planWithLlm(createLlmClient(c), c, request()));
    expect(err.type).toBe(ProviderErrorTypes.LlmAuthFailed);
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(new URL(emulator.url).origin);
    expect(err.message).toContain('sk-…gKey');
    expect(err.message).toContain('LLM_API_KEY');
    expect(err.message).not.toContain('wrongKeyWrongKey');
  });

  it('an unknown model → LlmModelNotFound, non-retryable', async () => {
    const err = await failureOf(plan('no-such-model'));
    expect(err.type).toBe(ProviderErrorTypes.LlmModelNotFound);
    expect(err.nonRetryable).toBe(true);
  });

  it('429 → LlmRateLimited, retried after Retry-After', async () => {
    emulator.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const err = await failureOf(plan('gpt-4o-mini'));
    expect(err.type).toBe(ProviderErrorTypes.LlmRateLimited);
    expect(err.nonRetryable).toBe(false);
    expect(err.nextRetryDelay).toBe(7000);
  });

  it('500 → LlmUnavailable, retried with backoff', async () => {
    emulator.setFaults({ serverError: { count: 1 } });
    const err = await failureOf(plan('gpt-4o-mini'));
    expect(err.type).toBe(ProviderErrorTypes.LlmUnavailable);
    expect(err.nonRetryable).toBe(false);
  });

  it('a server that is not there → LlmUnavailable', async () => {
    const c = { ...config('gpt-4o-mini'), baseUrl: 'http://127.0.0.1:9/v1' };
    const err = await failureOf(planWithLlm(createLlmClient(c), c, request()));
    expect(err.type).toBe(ProviderErrorTypes.LlmUnavailable);
  });
});

describe('extractJson', () => {
  it.each([
    ['bare', '{"a":1}'],
    ['fenced with prose', 'Here you go:\n```json\n{"a":1}\n```\nEnjoy!'],
    ['prose around', 'Sure. {"a":1} Hope that helps.'],
    ['after a think block', '<think>The user wants {a plan}.</think>\n{"a":1}'],
    ['with braces inside strings', 'x {"a":1,"b":"} {"} y'],
  ])('%s', (_name, text) => {
    expect(extractJson(text)).toMatchObject({ a: 1 });
  });

  it('undefined when there is no object', () => {
    expect(extractJson('no json here')).toBeUndefined();
    expect(extractJson('{"a":1,')).toBeUndefined();
  });
});
