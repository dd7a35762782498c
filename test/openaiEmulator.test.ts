/**
 * The real `openai` npm client (v6) against the local OpenAI-compatible emulator
 * (src/emulators/openai), with `baseURL` pointed at it.
 *
 * What the client does that matters here (node_modules/openai/src/client.ts):
 * - `maxRetries` (default 2) retries 408, 409, 429 and >= 500, waiting `Retry-After` (or
 *   `retry-after-ms`) when the server sends one; the tests that look at a single error status
 *   use `maxRetries: 0`, the recovery tests let the client retry.
 * - The constructor refuses to start without a key; `defaultHeaders: { Authorization: null }`
 *   drops the header it would send, which is how a keyless (Ollama-style) server is reached.
 * - `zodResponseFormat(llmPlanSchema)` throws: `act` is `.optional()` and the helper only builds
 *   strict schemas, where every field must be required. A planner sends `z.toJSONSchema` itself.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ACTS, llmPlanSchema, MOODS, type LlmPlan } from '../src/domain/plan.js';
import {
  PLAN_FAULTS,
  startOpenAiEmulator,
  type OpenAiEmulator,
  type OpenAiEmulatorOptions,
} from '../src/emulators/openai/index.js';
import { detectLanguage } from '../src/text/language.js';
import { splitIntoScenes } from '../src/text/splitStory.js';

const run = promisify(execFile);
const KEY = 'sk-emulator-test-key-0001';
const OTHER_KEY = 'sk-emulator-test-key-0002';
const STYLE = 'storybook illustration';
const ASCII_PROMPT = /^[\x20-\x7e]+$/;

const example = (name: string) => readFile(new URL(`../examples/${name}`, import.meta.url), 'utf8');
const STORIES = {
  en: await example('demo-story.txt'),
  ru: await example('stories/ru.txt'),
  zh: await example('stories/zh.txt'),
  ko: await example('stories/ko.txt'),
};

interface PlanInput {
  story: string;
  language?: string;
  sceneCount: number;
  structure?: 'scenes' | 'five-act';
  targetSeconds?: number | null;
  style?: string;
}

function planMessages(input: PlanInput): ChatCompletionMessageParam[] {
  const request = { language: 'en', structure: 'scenes', targetSeconds: null, style: STYLE, ...input };
  return [
    { role: 'system', content: 'You plan short videos. Answer with one JSON object matching the schema.' },
    { role: 'user', content: `Plan this story.\n<request>${JSON.stringify(request)}</request>` },
  ];
}

/** What a tolerant planner does with an answer: drop <think>, prefer a fenced block, take the outer braces. */
function extractJson(text: string): unknown {
  const visible = text.replace(/<think>[\s\S]*?<\/think>/g, '');
  const body = /```(?:json)?\s*([\s\S]*?)```/.exec(visible)?.[1] ?? visible;
  return JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1));
}

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

async function ffprobeDuration(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

let emu: OpenAiEmulator;
const client = (options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ apiKey: KEY, baseURL: emu.url, maxRetries: 0, ...options });

async function plan(model: string, input: PlanInput, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) {
  return client().chat.completions.create({ model, messages: planMessages(input), ...extra });
}

async function withEmulator(options: OpenAiEmulatorOptions, fn: (e: OpenAiEmulator) => Promise<void>) {
  const own = await startOpenAiEmulator(options);
  try {
    await fn(own);
  } finally {
    await own.close();
  }
}

beforeAll(async () => {
  emu = await startOpenAiEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

describe('models', () => {
  it('lists the served models and the fault names, and retrieves one', async () => {
    const page = await client().models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'llama3.1', 'emulator-planner', ...PLAN_FAULTS]));
    expect(page.data[0]).toEqual({
      id: 'gpt-4o-mini',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'emulator',
    });
    expect((await client().models.retrieve('llama3.1')).id).toBe('llama3.1');
    expect((await client().models.retrieve('gpt-4o-mini:plan-fenced:slow')).id).toBe('gpt-4o-mini:plan-fenced:slow');
  });

  it('answers an unknown model with 404 model_not_found on every endpoint', async () => {
    const expected = { type: 'invalid_request_error', param: 'model', code: 'model_not_found' };
    // Thunks, awaited one by one: a rejected promise nobody awaits yet is an unhandled rejection.
    const calls = [
      () => client().models.retrieve('no-such-model'),
      () => client().chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
      () => client().audio.speech.create({ model: 'no-such-model', input: 'hi', voice: 'alloy' }),
      () => client().models.retrieve('gpt-4o-mini:not-a-fault'),
    ];
    for (const call of calls) {
      const err = await failure(call());
      expect(err.status).toBe(404);
      expect(err.error).toEqual({ ...expected, message: expect.stringContaining('does not exist') });
    }
    expect(emu.stats().byStatus).toEqual({ '404': 4 });
  });
});

describe('planning', () => {
  it.each([
    ['en', 5],
    ['ru', 4],
    ['zh', 5],
    ['ko', 3],
  ] as const)('plans a %s story into %i valid scenes', async (language, sceneCount) => {
    const story = STORIES[language];
    const res = await plan(
      'gpt-4o-mini',
      { story, language, sceneCount },
      { response_format: { type: 'json_object' } },
    );
    const p = llmPlanSchema.parse(JSON.parse(res.choices[0]!.message.content!));
    expect(p.scenes).toHaveLength(sceneCount);
    // Narration is the story itself, split the way reelflow splits it offline.
    expect(p.scenes.map((s) => s.narration)).toEqual(splitIntoScenes(story, sceneCount));
    expect(p.title.length).toBeGreaterThan(0);
    expect(detectLanguage(p.title)).toBe(language);
    expect(p.characters.length).toBeGreaterThan(0);
    for (const s of p.scenes) {
      expect(detectLanguage(s.narration)).toBe(language);
      expect(s.act).toBeUndefined();
      expect(s.imagePrompt).toMatch(ASCII_PROMPT);
      expect(s.imagePrompt.endsWith(STYLE)).toBe(true);
      expect(s.motionPrompt).toMatch(ASCII_PROMPT);
      for (const c of p.characters) expect(s.imagePrompt).toContain(c.description);
      expect(MOODS).toContain(s.mood);
    }
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(res.usage!.completion_tokens).toBeGreaterThan(50);
  });

  it('picks English subjects and moods from the story words, and answers the same request the same way', async () => {
    const story = 'Лиса жила у реки. Однажды ночью над лесом взошла луна. Лиса была счастлива и смеялась.';
    const first = await plan('llama3.1', { story, language: 'ru', sceneCount: 3 });
    const again = await plan('llama3.1', { story, language: 'ru', sceneCount: 3 });
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    const p = llmPlanSchema.parse(JSON.parse(first.choices[0]!.message.content!));
    expect(p.characters.map((c) => c.name)).toEqual(['Fox']);
    expect(p.scenes[0]!.imagePrompt).toMatch(/fox.*river/);
    expect(p.scenes[1]!.imagePrompt).toMatch(/forest.*moon.*at night/);
    expect(p.scenes.map((s) => s.mood)).toEqual(['calm', 'calm', 'joyful']);
  });

  it.each([
    [5, [...ACTS]],
    [7, ['hook', 'hook', 'setup', 'rising-action', 'rising-action', 'climax', 'resolution']],
  ])('spreads the five acts over %i scenes in order', async (sceneCount, acts) => {
    const res = await plan('emulator-planner', { story: STORIES.en, sceneCount, structure: 'five-act' });
    const p = llmPlanSchema.parse(JSON.parse(res.choices[0]!.message.content!));
    expect(p.scenes.map((s) => s.act)).toEqual(acts);
  });

  it('honours json_schema, json_object and no response_format', async () => {
    const schema = z.toJSONSchema(llmPlanSchema);
    const input = { story: STORIES.zh, language: 'zh', sceneCount: 5 };
    const json_schema = { name: 'story_plan', schema, strict: false };
    const bySchema = await plan('gpt-4o-mini', input, { response_format: { type: 'json_schema', json_schema } });
    const byObject = await plan('gpt-4o-mini', input, { response_format: { type: 'json_object' } });
    const byText = await plan('gpt-4o-mini', input);
    const plans = [bySchema, byObject, byText].map((r) =>
      llmPlanSchema.parse(JSON.parse(r.choices[0]!.message.content!)),
    );
    expect(plans[1]).toEqual(plans[0]);
    expect(plans[2]).toEqual(plans[0]);
    // Plain text is the same JSON, laid out for reading.
    expect(byText.choices[0]!.message.content).toContain('\n  "title"');
    expect(emu.stats().log.map((e) => e.responseFormat)).toEqual(['json_schema', 'json_object', 'none']);

    const unnamed = { type: 'json_schema', json_schema: { schema } } as never;
    const err = await failure(plan('gpt-4o-mini', input, { response_format: unnamed }));
    expect([err.status, err.param]).toEqual([400, 'response_format.json_schema.name']);
  });

  it('asks for the word "json" in JSON mode, rejects streaming, and answers other chats with short text', async () => {
    const noJson: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Tell me a joke.' }];
    const jsonMode = await failure(
      client().chat.completions.create({
        model: 'gpt-4o-mini',
        messages: noJson,
        response_format: { type: 'json_object' },
      }),
    );
    expect(jsonMode.status).toBe(400);
    expect(jsonMode.message).toContain("must contain the word 'json'");
    const stream = await failure(
      client().chat.completions.create({ model: 'gpt-4o-mini', messages: noJson, stream: true }),
    );
    expect([stream.status, stream.param]).toEqual([400, 'stream']);

    const a = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: noJson });
    const b = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: noJson });
    const text = a.choices[0]!.message.content!;
    expect(text).toBe(b.choices[0]!.message.content);
    expect(text).toContain('Tell me a joke.');
    expect(isJson(text)).toBe(false);
    expect(a.id).not.toBe(b.id);
    expect(emu.stats().log.map((e) => [e.status, e.plan])).toEqual([
      [400, false],
      [400, false],
      [200, false],
      [200, false],
    ]);
  });
});

describe('plan faults', () => {
  const input = { story: STORIES.en, sceneCount: 5 };
  const content = (r: OpenAI.Chat.ChatCompletion) => r.choices[0]!.message.content!;

  it.each(['plan-fenced', 'plan-prose', 'plan-think'] as const)(
    '%s wraps a valid plan that parses after extraction',
    async (fault) => {
      const clean = JSON.parse(content(await plan('gpt-4o-mini', input))) as LlmPlan;
      for (const model of [fault, `gpt-4o-mini:${fault}`]) {
        const text = content(await plan(model, input, { response_format: { type: 'json_object' } }));
        expect(isJson(text)).toBe(false);
        expect(llmPlanSchema.parse(extractJson(text))).toEqual(clean);
      }
    },
  );

  it('plan-fenced, plan-prose and plan-think have the documented shapes', async () => {
    const fenced = content(await plan('plan-fenced', input));
    expect(fenced).toMatch(/^[^`{]+\n```json\n\{[\s\S]+\}\n```\n\n[^`{]+$/);
    const prose = content(await plan('plan-prose', input));
    expect(prose).toMatch(/^[^{]+\n\{.+\}\n\n[^{}]+$/);
    const thinking = await plan('plan-think', input);
    const [, think, rest] = /^(<think>[\s\S]*?<\/think>)([\s\S]*)$/.exec(content(thinking))!;
    expect(think).not.toContain('{');
    expect(llmPlanSchema.safeParse(JSON.parse(rest!)).success).toBe(true);
    expect(thinking.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
  });

  /** The planner's repair round: its broken answer back, then a user message quoting the errors. */
  async function repair(model: string, broken: string) {
    const messages: ChatCompletionMessageParam[] = [
      ...planMessages(input),
      { role: 'assistant', content: broken },
      {
        role: 'user',
        content: 'Your answer failed validation: scenes: expected 5 items. Answer with the corrected JSON.',
      },
    ];
    return client().chat.completions.create({ model, messages, response_format: { type: 'json_object' } });
  }

  it('plan-broken sends invalid JSON first and a valid plan on repair; plan-broken-always never recovers', async () => {
    const first = content(await plan('plan-broken', input, { response_format: { type: 'json_object' } }));
    expect(isJson(first)).toBe(false);
    const fixed = llmPlanSchema.parse(JSON.parse(content(await repair('plan-broken', first))));
    expect(fixed.scenes).toHaveLength(5);
    const stats = emu.stats();
    expect([stats.plans, stats.repairs]).toEqual([2, 1]);
    expect(stats.log.map((e) => [e.fault, e.repair])).toEqual([
      ['plan-broken', false],
      ['plan-broken', true],
    ]);

    const always = content(await plan('plan-broken-always', input));
    expect(isJson(always)).toBe(false);
    expect(isJson(content(await repair('plan-broken-always', always)))).toBe(false);
  });

  it('plan-wrong-count answers one scene short, then the right count on repair', async () => {
    const first = llmPlanSchema.parse(JSON.parse(content(await plan('plan-wrong-count', input))));
    expect(first.scenes).toHaveLength(4);
    const fixed = llmPlanSchema.parse(JSON.parse(content(await repair('plan-wrong-count', JSON.stringify(first)))));
    expect(fixed.scenes).toHaveLength(5);
    expect(emu.stats().repairs).toBe(1);
  });

  it('plan-no-json-schema refuses json_schema but serves json_object; plan-text-only refuses any response_format', async () => {
    const json_schema = { name: 'story_plan', schema: z.toJSONSchema(llmPlanSchema), strict: true };
    const refused = await failure(
      plan('plan-no-json-schema', input, { response_format: { type: 'json_schema', json_schema } }),
    );
    expect(refused.status).toBe(400);
    expect(refused.error).toMatchObject({
      message: 'response_format json_schema is not supported',
      param: 'response_format',
    });
    expect(emu.stats().log[0]).toMatchObject({
      plan: true,
      responseFormat: 'json_schema',
      fault: 'plan-no-json-schema',
    });
    const ok = await plan('plan-no-json-schema', input, { response_format: { type: 'json_object' } });
    expect(llmPlanSchema.parse(JSON.parse(content(ok))).scenes).toHaveLength(5);

    for (const type of ['json_object', 'text'] as const) {
      expect((await failure(plan('plan-text-only', input, { response_format: { type } }))).status).toBe(400);
    }
    expect(llmPlanSchema.parse(JSON.parse(content(await plan('plan-text-only', input)))).scenes).toHaveLength(5);
    expect(emu.stats().log.map((e) => e.status)).toEqual([400, 200, 400, 400, 200]);
  });

  it('plan-garbage answers text with no JSON in it, every time', async () => {
    const a = content(await plan('plan-garbage', input, { response_format: { type: 'json_object' } }));
    const b = content(await plan('plan-garbage', input));
    expect(a).toBe(b);
    expect(a).not.toMatch(/[{}[\]]/);
  });

  it('takes a global plan fault from setFaults() and from POST /__emulator/faults; the model name wins', async () => {
    emu.setFaults({ plan: 'plan-prose' });
    expect(content(await plan('gpt-4o-mini', input))).toMatch(/^Sure!/);
    expect(content(await plan('plan-garbage', input))).not.toContain('{');

    const res = await fetch(`${emu.origin}/__emulator/faults`, { method: 'POST', body: '{"plan":"plan-fenced"}' });
    expect(((await res.json()) as { plan: string }).plan).toBe('plan-fenced');
    expect(content(await plan('gpt-4o-mini', input))).toContain('```json');
    const bad = await fetch(`${emu.origin}/__emulator/faults`, { method: 'POST', body: '{"plan":"plan-nope"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('plan');

    emu.setFaults({ rateLimit: { retryAfterSeconds: 9 } });
    const replaced = await fetch(`${emu.origin}/__emulator/faults?mode=replace`, {
      method: 'POST',
      body: '{"latencyMs":{"speech":5}}',
    });
    const now = (await (await fetch(`${emu.origin}/__emulator/faults`)).json()) as Record<string, unknown>;
    expect(now).toEqual(await replaced.json());
    expect(now).toMatchObject({ plan: null, rateLimit: { count: 0, retryAfterSeconds: 1 }, latencyMs: { speech: 5 } });

    emu.reset();
    expect(emu.faults().latencyMs).toBe(0);
    expect(isJson(content(await plan('gpt-4o-mini', input)))).toBe(true);
  });
});

describe('auth and status faults', () => {
  it('rejects a bad or missing key with 401 invalid_api_key and never echoes the key', async () => {
    await withEmulator({ keys: [KEY] }, async (own) => {
      const bad = await failure(new OpenAI({ apiKey: OTHER_KEY, baseURL: own.url, maxRetries: 0 }).models.list());
      expect(bad.status).toBe(401);
      expect(bad.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      expect(bad.message).not.toContain(OTHER_KEY);
      const none = new OpenAI({
        apiKey: 'x',
        baseURL: own.url,
        maxRetries: 0,
        defaultHeaders: { Authorization: null },
      });
      expect((await failure(none.models.list())).status).toBe(401);
      expect((await new OpenAI({ apiKey: KEY, baseURL: own.url }).models.list()).data.length).toBeGreaterThan(0);
      expect(own.stats().unauthorized).toBe(2);
    });
  });

  it('accepts requests without a key in keyless mode, like Ollama', async () => {
    await withEmulator({ keyless: true }, async (own) => {
      const noKey = new OpenAI({
        apiKey: 'x',
        baseURL: own.url,
        maxRetries: 0,
        defaultHeaders: { Authorization: null },
      });
      const res = await noKey.chat.completions.create({
        model: 'llama3.1',
        messages: planMessages({ story: STORIES.ko, language: 'ko', sceneCount: 3 }),
      });
      expect(llmPlanSchema.parse(JSON.parse(res.choices[0]!.message.content!)).scenes).toHaveLength(3);
      expect(Object.keys(own.stats().byKey)).toEqual(['(none)']);
    });
  });

  it('answers 401 to every request while the unauthorized fault is on', async () => {
    emu.setFaults({ unauthorized: true });
    expect((await failure(client().models.list())).error).toMatchObject({ code: 'invalid_api_key' });
    emu.setFaults({ unauthorized: false });
    expect((await client().models.list()).data.length).toBeGreaterThan(0);
  });

  it('answers 429 with Retry-After and rate_limit_exceeded for the next N requests', async () => {
    emu.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 7 } });
    for (let i = 0; i < 2; i++) {
      const err = await failure(plan('gpt-4o-mini', { story: STORIES.en, sceneCount: 5 }));
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.headers?.get('retry-after')).toBe('7');
      expect(err.error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('gpt-4o-mini') });
    }
    expect((await plan('gpt-4o-mini', { story: STORIES.en, sceneCount: 5 })).choices).toHaveLength(1);
    // The client's own retry reads Retry-After: 0 and tries again at once.
    emu.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 0 } });
    expect((await client({ maxRetries: 1 }).models.list()).data.length).toBeGreaterThan(0);
    expect(emu.stats().log.map((e) => e.status)).toEqual([429, 429, 200, 429, 200]);
    expect(emu.stats().rateLimited).toBe(3);
  });

  it('answers 500 server_error for the next N requests, then recovers', async () => {
    emu.setFaults({ serverError: { count: 1 } });
    const err = await failure(client().models.list());
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.error).toMatchObject({ type: 'server_error' });
    emu.setFaults({ serverError: { count: 1 } });
    expect((await client({ maxRetries: 1 }).models.list()).data.length).toBeGreaterThan(0);
    expect(emu.stats().log.map((e) => e.status)).toEqual([500, 500, 200]);
  });

  it('still answers correctly with latency faults and the :slow suffix', async () => {
    await withEmulator({ slowMs: 20, faults: { latencyMs: { chat: 20 } } }, async (own) => {
      const slow = new OpenAI({ apiKey: KEY, baseURL: own.url, maxRetries: 0 });
      const res = await slow.chat.completions.create({
        model: 'plan-fenced:slow',
        messages: planMessages({ story: STORIES.ru, language: 'ru', sceneCount: 2 }),
      });
      expect(llmPlanSchema.parse(extractJson(res.choices[0]!.message.content!)).scenes).toHaveLength(2);
      expect(own.faults().latencyMs).toEqual({ chat: 20 });
    });
  });
});

describe('speech', () => {
  async function speak(input: string, format: 'mp3' | 'wav' | 'opus' | 'aac' | 'flac' | 'pcm', dir: string) {
    const res = await client().audio.speech.create({ model: 'tts-1', input, voice: 'alloy', response_format: format });
    const file = join(dir, `${input.length}.${format}`);
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    return { file, type: res.headers.get('content-type'), bytes: await readFile(file) };
  }

  it('returns decodable mp3 and wav whose duration grows with the text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openai-emulator-test-'));
    try {
      const short = 'A fox by the river.';
      const long = 'A fox by the river. One night the moon rose over the forest, and the fox sang to it until dawn.';
      for (const format of ['mp3', 'wav'] as const) {
        const a = await speak(short, format, dir);
        const b = await speak(long, format, dir);
        expect(a.type).toBe(format === 'mp3' ? 'audio/mpeg' : 'audio/wav');
        const [da, db] = [await ffprobeDuration(a.file), await ffprobeDuration(b.file)];
        expect(da).toBeGreaterThan(0.5);
        expect(db).toBeGreaterThan(da * 2);
        await run('ffmpeg', ['-v', 'error', '-i', b.file, '-f', 'null', '-']);
        if (format === 'wav') {
          expect(b.bytes.toString('latin1', 0, 4)).toBe('RIFF');
          expect(b.bytes.readUInt32LE(4)).toBe(b.bytes.length - 8); // real sizes, not streaming placeholders
        }
      }
      expect(emu.stats().byEndpoint).toEqual({ speech: 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('speaks other scripts and serves opus, aac, flac and raw pcm', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openai-emulator-test-'));
    try {
      const types: Record<string, string> = { opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac' };
      for (const [format, text] of [
        ['opus', STORIES.ru],
        ['aac', STORIES.zh],
        ['flac', STORIES.ko],
      ] as const) {
        const out = await speak(text.split('\n')[0]!, format, dir);
        expect(out.type).toBe(types[format]);
        expect(await ffprobeDuration(out.file)).toBeGreaterThan(1);
      }
      const pcm = await speak('Hello there.', 'pcm', dir);
      expect(pcm.type).toBe('audio/pcm');
      expect(pcm.bytes.length % 2).toBe(0);
      expect(pcm.bytes.length / 2 / 24_000).toBeGreaterThan(0.3); // 16-bit mono at 24 kHz
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown voice or format and empty input with 400', async () => {
    const speech = (body: object) =>
      failure(client().audio.speech.create({ model: 'tts-1', input: 'hi', voice: 'alloy', ...body } as never));
    expect((await speech({ voice: 'robot' })).param).toBe('voice');
    expect((await speech({ response_format: 'ogg' })).param).toBe('response_format');
    expect((await speech({ input: '  ' })).param).toBe('input');
  });
});

describe('accounting', () => {
  it('counts per endpoint, model and masked key, and never shows a key in full', async () => {
    await client().models.list();
    await plan('gpt-4o-mini', { story: STORIES.en, sceneCount: 5 });
    await plan('plan-fenced', { story: STORIES.en, sceneCount: 5 }, { response_format: { type: 'json_object' } });
    await client({ apiKey: OTHER_KEY }).chat.completions.create({
      model: 'llama3.1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await client({ apiKey: OTHER_KEY }).audio.speech.create({ model: 'tts-1', input: 'hi', voice: 'nova' });

    const s = emu.stats();
    expect(s.requests).toBe(5);
    expect(s.byEndpoint).toEqual({ models: 1, chat: 3, speech: 1 });
    expect(s.byModel).toEqual({ 'gpt-4o-mini': 1, 'plan-fenced': 1, 'llama3.1': 1, 'tts-1': 1 });
    expect(Object.keys(s.byKey).sort()).toEqual(['sk-…0001', 'sk-…0002']);
    expect(s.byKey['sk-…0001']).toMatchObject({ requests: 3, byEndpoint: { models: 1, chat: 2 } });
    expect(s.byKey['sk-…0002']).toMatchObject({ requests: 2, byEndpoint: { chat: 1, speech: 1 } });
    expect(s.plans).toBe(2);
    expect(s.usage.prompt_tokens).toBeGreaterThan(0);
    expect(s.speechBytes).toBeGreaterThan(0);
    expect(s.log[2]).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      endpoint: 'chat',
      model: 'plan-fenced',
      responseFormat: 'json_object',
      status: 200,
      key: 'sk-…0001',
      plan: true,
      repair: false,
      fault: 'plan-fenced',
    });

    const viaHttp = await (await fetch(`${emu.origin}/__emulator/stats`)).text();
    expect(JSON.parse(viaHttp)).toEqual(s);
    for (const key of [KEY, OTHER_KEY]) {
      expect(viaHttp).not.toContain(key);
      expect(JSON.stringify(s)).not.toContain(key);
    }

    expect((await fetch(`${emu.origin}/__emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emu.stats()).toMatchObject({ requests: 0, byKey: {}, log: [] });
  });

  it('tells two keys apart when their masks collide', async () => {
    await client({ apiKey: 'short-a' }).models.list();
    await client({ apiKey: 'short-b' }).models.list();
    await client({ apiKey: 'short-a' }).models.list();
    const byKey = emu.stats().byKey;
    expect(Object.fromEntries(Object.entries(byKey).map(([k, v]) => [k, v.requests]))).toEqual({ '…': 2, '…~2': 1 });
  });
});
