/**
 * POST /v1/chat/completions: request checks in OpenAI's words, then the answer. A planning chat
 * (a `<request>` block in a user message) gets the derived plan, shaped by the plan fault if one
 * applies; a moments chat (a `<moments>` block) gets the densest stretches of talk; any other chat
 * gets a short deterministic text.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badRequest } from './errors.js';
import type { PlanFault } from './faults.js';
import { answerMoments } from './moments.js';
import { buildPlan, findPlanRequest, type FoundRequest, type PlanRequest } from './plan.js';

const partSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
const messageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(partSchema), z.null()]).optional(),
});
const chatBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(messageSchema),
  stream: z.boolean().nullish(),
  response_format: z
    .looseObject({
      type: z.string(),
      json_schema: z
        .looseObject({ name: z.string().optional(), schema: z.unknown().optional(), strict: z.unknown().optional() })
        .optional(),
    })
    .nullish(),
});
export type ChatBody = z.infer<typeof chatBodySchema>;
export type FormatType = 'none' | 'text' | 'json_object' | 'json_schema';

/** The body, or the 400 the real API gives for the same mistake. */
export function parseChatBody(raw: unknown): ChatBody {
  const b = (raw ?? {}) as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') throw badRequest('you must provide a model parameter');
  if (b.messages === undefined)
    throw badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (Array.isArray(b.messages) && b.messages.length === 0)
    throw badRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  const parsed = chatBodySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`Invalid '${issue.path.join('.')}': ${issue.message}`, issue.path.join('.'), 'invalid_type');
  }
  if (parsed.data.stream === true)
    throw badRequest(
      'stream: true is not supported by this emulator; send stream: false',
      'stream',
      'unsupported_value',
    );
  return parsed.data;
}

export function textOf(content: z.infer<typeof messageSchema>['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => p.text ?? '').join('');
}

/** Checks response_format against the spec and against what the faulty server accepts. */
export function checkFormat(body: ChatBody, fault: PlanFault | undefined): FormatType {
  const rf = body.response_format;
  if (!rf) return 'none';
  if (fault === 'plan-text-only')
    throw badRequest('response_format is not supported by this server', 'response_format');
  if (rf.type !== 'text' && rf.type !== 'json_object' && rf.type !== 'json_schema')
    throw badRequest(
      `Invalid value: '${rf.type}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
      'response_format.type',
      'invalid_value',
    );
  if (rf.type === 'json_schema') {
    if (fault === 'plan-no-json-schema')
      throw badRequest('response_format json_schema is not supported', 'response_format');
    const name = rf.json_schema?.name;
    if (name === undefined)
      throw badRequest(
        "Missing required parameter: 'response_format.json_schema.name'.",
        'response_format.json_schema.name',
        'missing_required_parameter',
      );
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name))
      throw badRequest(
        `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        'response_format.json_schema.name',
        'invalid_value',
      );
  }
  // The real API refuses JSON mode unless the conversation asks for JSON itself.
  if (rf.type === 'json_object' && !body.messages.some((m) => /json/i.test(textOf(m.content))))
    throw badRequest(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'messages',
    );
  return rf.type;
}

export interface ChatAnswer {
  content: string;
  /** The part of `content` a reasoning model spends thinking (plan-think). */
  reasoningTokens: number;
}

const GARBAGE =
  "I'm sorry, but I can't turn this story into a scene plan right now. The story is lovely, though: " +
  'maybe try splitting it into shorter parts and asking again.';

/** Whether this is a planning chat, and whether it is a repair round (answered, then asked again). */
export function classify(body: ChatBody): { found: FoundRequest | undefined; users: string[]; repair: boolean } {
  const msgs = body.messages;
  const repair = msgs.some((m, i) => m.role === 'assistant' && msgs.slice(i + 1).some((u) => u.role === 'user'));
  const users = msgs.filter((m) => m.role === 'user').map((m) => textOf(m.content));
  return { found: findPlanRequest(users), users, repair };
}

export function answerChat(body: ChatBody, format: FormatType, fault: PlanFault | undefined): ChatAnswer {
  const msgs = body.messages;
  const { found, users, repair } = classify(body);
  const json = format === 'json_object' || format === 'json_schema';
  const moments = answerMoments(users);
  // A moments chat honours plan-garbage too (a model that will not answer in JSON at all).
  if (moments !== undefined) return { content: fault === 'plan-garbage' ? GARBAGE : moments, reasoningTokens: 0 };
  if (!found?.ok) {
    const last = users.at(-1) ?? '';
    const text = found
      ? `I could not plan this: ${found.error}.`
      : `Emulated reply from ${body.model}: read ${msgs.length} message(s); the last user message has ` +
        `${[...last].length} characters and starts with "${[...last].slice(0, 40).join('')}".`;
    return { content: json ? JSON.stringify({ answer: text }) : text, reasoningTokens: 0 };
  }
  const plan = buildPlan(found.request);
  const compact = JSON.stringify(plan);
  const answer = (content: string, reasoningTokens = 0): ChatAnswer => ({ content, reasoningTokens });
  switch (fault) {
    case 'plan-fenced':
      return answer(
        `Here is the scene plan you asked for:\n\n\`\`\`json\n${JSON.stringify(plan, null, 2)}\n\`\`\`\n\n` +
          'Every scene repeats the character descriptions so the pictures stay consistent. Let me know if you want changes!',
      );
    case 'plan-prose':
      return answer(
        `Sure! Here is the plan for your story.\n\n${compact}\n\nI kept every narration in the story's language.`,
      );
    case 'plan-think': {
      const think = thinking(found.request, plan.scenes.length);
      return answer(`${think}\n\n${compact}`, estimateTokens(think));
    }
    case 'plan-broken':
    case 'plan-broken-always':
      // Cut off before the scene list closes, with a dangling comma: what a truncated or sloppy model sends.
      return fault === 'plan-broken' && repair ? answer(compact) : answer(compact.replace(/\]\}$/, ','));
    case 'plan-wrong-count':
      return answer(repair ? compact : JSON.stringify({ ...plan, scenes: plan.scenes.slice(0, -1) }));
    case 'plan-garbage':
      return answer(GARBAGE);
    default:
      // Without a JSON response_format a model still answers with the JSON, as readable text.
      return answer(json ? compact : JSON.stringify(plan, null, 2));
  }
}

function thinking(req: PlanRequest, scenes: number): string {
  return (
    `<think>\nThe user wants a ${req.structure} plan with ${scenes} scenes in the style "${req.style}". ` +
    'I should keep the narration in the language of the story, write the image prompts in English, ' +
    'and describe each character the same way in every scene. Then answer with the JSON object only.\n</think>'
  );
}

/** Roughly what a BPE tokenizer makes of text: ~4 ASCII characters, ~2 letters of other alphabets, 1 CJK character. */
export function estimateTokens(text: string): number {
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    units += cp < 0x80 ? 0.25 : cp >= 0x2e80 ? 1 : 0.5;
  }
  return Math.ceil(units);
}

export function completion(body: ChatBody, answer: ChatAnswer, seq: number) {
  const prompt = body.messages.reduce((n, m) => n + 4 + estimateTokens(textOf(m.content)), 3);
  const completionTokens = estimateTokens(answer.content);
  const digest = createHash('sha256')
    .update(`${seq}\n${body.model}\n${JSON.stringify(body.messages)}`)
    .digest('hex');
  return {
    id: `chatcmpl-${digest.slice(0, 24)}`,
    object: 'chat.completion' as const,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: answer.content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop' as const,
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: answer.reasoningTokens,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}
