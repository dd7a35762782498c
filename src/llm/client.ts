import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { LlmConfig } from '../config/providers.js';
import { type ProviderFamily, httpFailure } from '../providers/failures.js';

/**
 * The one way reelflow talks to an OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama,
 * vLLM, LM Studio, OpenRouter, the emulator). The client's own retries are off: Temporal owns
 * retries, and a 429's Retry-After becomes the activity's next retry delay.
 */
export function createLlmClient(config: LlmConfig): OpenAI {
  return new OpenAI({
    baseURL: config.baseUrl,
    // Keyless servers still get a header; "none" is what their docs suggest sending.
    apiKey: config.apiKey ?? 'none',
    maxRetries: 0,
    timeout: config.timeoutMs,
  });
}

/** Whatever the `openai` client threw, as a typed failure naming the endpoint and the masked key. */
export function openAiFailure(
  err: unknown,
  context: { family: ProviderFamily; service: string; maskedKey?: string; doing: string; keyVariable: string },
) {
  if (err instanceof APIError && err.status !== undefined) {
    const code = (err as { code?: unknown }).code;
    return httpFailure({
      ...context,
      status: err.status,
      headers: err.headers,
      detail: messageOf(err),
      modelNotFound: code === 'model_not_found',
    });
  }
  const detail = err instanceof APIConnectionError || err instanceof Error ? err.message : String(err);
  return httpFailure({ ...context, detail });
}

/** The provider's own message, without the client's status prefix. */
function messageOf(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : err.message.replace(/^\d{3}\s*/, '');
}

/** "the LLM at http://127.0.0.1:11434/v1": the endpoint without credentials or query. */
export function describeEndpoint(what: string, baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${what} at ${url.origin}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return what;
  }
}
