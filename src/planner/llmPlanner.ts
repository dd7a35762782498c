import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { LlmConfig } from '../config/providers.js';
import { type LlmPlan, llmPlanSchema } from '../domain/plan.js';
import { describeEndpoint, openAiFailure } from '../llm/client.js';
import { ProviderErrorTypes, failure } from '../providers/failures.js';
import { checkPlan } from './checkPlan.js';
import { extractJson } from './extractJson.js';
import { type PlanRequest, repairPrompt, systemPrompt, userPrompt } from './prompt.js';

/** How we ask for JSON, strictest first: what a server rejects with a 400, we stop asking for. */
type OutputMode = 'json_schema' | 'json_object' | 'text';
const MODES: OutputMode[] = ['json_schema', 'json_object', 'text'];

/** The mode each endpoint and model accepted last, so later plans skip the refused ones. */
const acceptedModes = new Map<string, OutputMode>();

const PLAN_JSON_SCHEMA = z.toJSONSchema(llmPlanSchema) as Record<string, unknown>;

export interface LlmPlanOutcome {
  plan: LlmPlan;
  model: string;
  mode: OutputMode;
  /** True when the first answer failed validation and the repair round trip fixed it. */
  repaired: boolean;
}

/**
 * Asks the LLM for a plan: structured output where the endpoint supports it, JSON mode where not,
 * plain text as a last resort; the JSON is dug out of fences, prose and `<think>` blocks and
 * checked; one repair round trip quotes the problems back to the model. Throws typed failures
 * (providers/failures.ts): PlanInvalid when even the repaired answer is unusable.
 */
export async function planWithLlm(
  client: OpenAI,
  config: LlmConfig,
  request: PlanRequest,
  signal?: AbortSignal,
): Promise<LlmPlanOutcome> {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt(request) },
    { role: 'user', content: userPrompt(request) },
  ];
  const { text, mode } = await complete(client, config, messages, signal);
  const first = checkPlan(extractJson(text), request);
  if ('plan' in first) return { plan: first.plan, model: config.model, mode, repaired: false };

  messages.push({ role: 'assistant', content: text }, { role: 'user', content: repairPrompt(first.problems) });
  const retry = await complete(client, config, messages, signal, mode);
  const second = checkPlan(extractJson(retry.text), request);
  if ('plan' in second) return { plan: second.plan, model: config.model, mode: retry.mode, repaired: true };
  throw failure(
    ProviderErrorTypes.PlanInvalid,
    `${describeEndpoint('The LLM', config.baseUrl)} (${config.model}) did not return a usable plan, even after a repair round trip: ${second.problems.slice(0, 5).join('; ')}`,
  );
}

async function complete(
  client: OpenAI,
  config: LlmConfig,
  messages: ChatCompletionMessageParam[],
  signal: AbortSignal | undefined,
  startAt?: OutputMode,
): Promise<{ text: string; mode: OutputMode }> {
  const cacheKey = `${config.baseUrl} ${config.model}`;
  const first =
    startAt ??
    (config.structuredOutput === 'auto' ? (acceptedModes.get(cacheKey) ?? 'json_schema') : config.structuredOutput);
  const modes = config.structuredOutput === 'auto' ? MODES.slice(MODES.indexOf(first)) : [first];
  for (const [i, mode] of modes.entries()) {
    try {
      const response = await client.chat.completions.create(requestFor(config.model, messages, mode), { signal });
      acceptedModes.set(cacheKey, mode);
      return { text: response.choices[0]?.message?.content ?? '', mode };
    } catch (err) {
      const typed = openAiFailure(err, {
        family: 'Llm',
        service: describeEndpoint('the LLM', config.baseUrl),
        maskedKey: config.maskedKey,
        doing: 'planning the scenes',
        keyVariable: 'LLM_API_KEY',
      });
      // A 400 in a structured mode is how servers say "I don't do that": try the next mode.
      const refusedMode = typed.type === ProviderErrorTypes.LlmRejected && i < modes.length - 1;
      if (!refusedMode) throw typed;
    }
  }
  throw new Error('unreachable: the last output mode either answers or throws');
}

function requestFor(
  model: string,
  messages: ChatCompletionMessageParam[],
  mode: OutputMode,
): ChatCompletionCreateParamsNonStreaming {
  const base = { model, messages, temperature: 0.4 };
  if (mode === 'json_schema') {
    return {
      ...base,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'short_plan', schema: PLAN_JSON_SCHEMA, strict: false },
      },
    };
  }
  if (mode === 'json_object') return { ...base, response_format: { type: 'json_object' } };
  return base;
}
