/**
 * The API's error bodies, word for word where we have seen them in the wild:
 * `{"detail":{"status":"<code>","message":"…"}}` for its own errors, FastAPI's
 * `{"detail":[{type, loc, msg, input}]}` for request validation (422), `{"detail":"Not Found"}`
 * for unknown routes. Sources are listed in test/elevenlabsEmulator.test.ts's header.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../replicate/http.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const detail = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new ApiError(status, { detail: { status: code, message } }, headers);

export const needsAuthorization = () =>
  detail(401, 'needs_authorization', 'Neither authorization header nor xi-api-key received, please provide one.');

export const invalidApiKey = () => detail(401, 'invalid_api_key', 'Invalid API key');

/** The wording of 2026 (it says "credits"; older answers said "characters"). */
export const quotaExceeded = (limit: number, remaining: number, required: number) =>
  detail(
    401,
    'quota_exceeded',
    `This request exceeds your quota of ${limit}. You have ${remaining} credits remaining, while ${required} credits are required for this request.`,
  );

export const voiceNotFound = (voiceId: string) =>
  detail(404, 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`);

export const modelNotFound = (modelId: string) =>
  detail(400, 'model_not_found', `A model with model ID ${modelId} does not exist.`);

export const textTooLong = (length: number, max: number) =>
  detail(
    400,
    'max_character_limit_exceeded',
    `This request's text has ${length} characters and exceeds the character limit of ${max} characters.`,
  );

export const tooManyConcurrentRequests = (limit: number, headers?: Record<string, string>) =>
  detail(
    429,
    'too_many_concurrent_requests',
    `Too many concurrent requests. Your current subscription is associated with a maximum of ${limit} concurrent requests (running in parallel). This is done such that a single user does not overwhelm our systems and affect other users negatively. Please upgrade your subscription or contact sales if you want to increase this limit.`,
    headers,
  );

export const systemBusy = (headers?: Record<string, string>) =>
  detail(
    429,
    'system_busy',
    'We are sorry, the system is experiencing heavy traffic, please try again. Higher subscriptions have higher priority.',
    headers,
  );

export const somethingWentWrong = () =>
  detail(500, 'something_went_wrong', 'We are sorry, something went wrong. You are not charged for this request.');

export const routeNotFound = () => new ApiError(404, { detail: 'Not Found' });

/** One FastAPI/pydantic validation failure (`loc` like ["body", "text"] or ["query", "output_format"]). */
export const validationError = (loc: (string | number)[], msg: string, type: string, input: unknown) =>
  new ApiError(422, { detail: [{ type, loc, msg, input: input ?? null }] });

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, err.body, err.headers);
}
