/**
 * OpenAI's error body, `{"error":{"message","type","param","code"}}`, and the errors the emulator
 * answers with. Messages follow the real API's wording where clients or people match on it.
 */
import type { ServerResponse } from 'node:http';
import { maskToken } from '../../security/redact.js';
import { HttpError, sendJson } from '../replicate/http.js';

export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new OpenAiError(400, message, 'invalid_request_error', param, code);

export const modelNotFound = (model: string) =>
  new OpenAiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );

export const routeNotFound = (method: string, path: string) =>
  new OpenAiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');

/** The key is masked in the message: error bodies end up in logs. */
export const invalidKey = (key: string | undefined) =>
  new OpenAiError(
    401,
    key === undefined
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : `Incorrect API key provided: ${maskToken(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );

export const rateLimited = (model: string | undefined, retryAfterSeconds: number) =>
  new OpenAiError(
    429,
    `Rate limit reached for ${model ?? 'requests'} in organization org-emulator on requests per min (RPM): ` +
      `Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSeconds}s.`,
    'requests',
    null,
    'rate_limit_exceeded',
    {
      'Retry-After': String(retryAfterSeconds),
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
    },
  );

export const serverError = () =>
  new OpenAiError(
    500,
    'The server had an error while processing your request. Sorry about that!',
    'server_error',
    null,
    null,
  );

/** Any thrown value as an OpenAI error (body-parsing errors of the shared helpers included). */
export function toOpenAiError(err: unknown): OpenAiError {
  if (err instanceof OpenAiError) return err;
  if (err instanceof HttpError) return new OpenAiError(err.status, err.detail, 'invalid_request_error');
  return new OpenAiError(500, `emulator error: ${String(err)}`, 'server_error');
}

export function sendError(res: ServerResponse, err: OpenAiError): void {
  const body = { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
  sendJson(res, err.status, body, err.headers);
}
