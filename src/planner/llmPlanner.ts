import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { LlmConfig } from '../config/providers.js';
import { type LlmPlan, llmPlanSchema } from '../domain/plan.js';
import { describeEndpoint } from '../llm/client.js';
import { ProviderErrorTypes, failure } from '../providers/failures.js';
import { checkPlan } from './checkPlan.js';
import { extractJson } from './extractJson.js';
import { type JsonAnswerSpec, type OutputMode, completeJson } from './jsonCompletion.js';
import { type PlanRequest, repairPrompt, systemPrompt, userPrompt } from './prompt.js';

const PLAN_ANSWER: JsonAnswerSpec = {
  name: 'short_plan',
  schema: z.toJSONSchema(llmPlanSchema) as Record<string, unknown>,
  doing: 'planning the scenes',
};

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
  const { text, mode } = await completeJson(client, config, PLAN_ANSWER, messages, signal);
  const first = checkPlan(extractJson(text), request);
  if ('plan' in first) return { plan: first.plan, model: config.model, mode, repaired: false };

  messages.push({ role: 'assistant', content: text }, { role: 'user', content: repairPrompt(first.problems) });
  const retry = await completeJson(client, config, PLAN_ANSWER, messages, signal, mode);
  const second = checkPlan(extractJson(retry.text), request);
  if ('plan' in second) return { plan: second.plan, model: config.model, mode: retry.mode, repaired: true };
  throw failure(
    ProviderErrorTypes.PlanInvalid,
    `${describeEndpoint('The LLM', config.baseUrl)} (${config.model}) did not return a usable plan, even after a repair round trip: ${second.problems.slice(0, 5).join('; ')}`,
  );
}
