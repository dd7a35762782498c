/**
 * One chat round trip that asks for JSON, strictest way first: structured output where the
 * endpoint supports it, JSON mode where not, plain text as a last resort. What a server rejects
 * with a 400, we stop asking for (remembered per endpoint and model). Shared by the scene planner
 * and the moment picker.
 */
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { LlmConfig } from '../config/providers.js';
import { describeEndpoint, openAiFailure } from '../llm/client.js';
import { ProviderErrorTypes } from '../providers/failures.js';

export type OutputMode = 'json_schema' | 'json_object' | 'text';
const MODES: OutputMode[] = ['json_schema', 'json_object', 'text'];

/** The mode each endpoint and model accepted last, so later requests skip the refused ones. */
const acceptedModes = new Map<string, OutputMode>();

/** What is asked for: the schema's name and JSON schema, and what we are doing (for errors). */
export interface JsonAnswerSpec {
  name: string;
  schema: Record<string, unknown>;
  doing: string;
}

export async function completeJson(
  client: OpenAI,
  config: LlmConfig,
  spec: JsonAnswerSpec,
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
      const response = await client.chat.completions.create(requestFor(config.model, spec, messages, mode), {
        signal,
      });
      acceptedModes.set(cacheKey, mode);
      return { text: response.choices[0]?.message?.content ?? '', mode };
    } catch (err) {
      const typed = openAiFailure(err, {
        family: 'Llm',
        service: describeEndpoint('the LLM', config.baseUrl),
        maskedKey: config.maskedKey,
        doing: spec.doing,
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
  spec: JsonAnswerSpec,
  messages: ChatCompletionMessageParam[],
  mode: OutputMode,
): ChatCompletionCreateParamsNonStreaming {
  const base = { model, messages, temperature: 0.4 };
  if (mode === 'json_schema') {
    return {
      ...base,
      response_format: { type: 'json_schema', json_schema: { name: spec.name, schema: spec.schema, strict: false } },
    };
  }
  if (mode === 'json_object') return { ...base, response_format: { type: 'json_object' } };
  return base;
}
