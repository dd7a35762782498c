import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { describeIssues } from '../util/describeIssues.js';
import { ApiError } from './errors.js';

/** The JSON request plumbing every POST route shares: content type, size cap, parsing, errors. */

/** Printable ASCII, 1–200 characters: room for a UUID or a client's own scheme, nothing odd. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

export const requireJson: MiddlewareHandler = async function requireJson(c, next) {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the request as JSON with "Content-Type: application/json" (got "${type || 'none'}").`,
    );
  }
  await next();
};

/** hono's bodyLimit counts streamed bytes too, so a chunked body without Content-Length is capped. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError() {
      throw new ApiError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
    },
  });
}

/** The client hung up while sending the body: nothing to answer, nothing started, not our failure. */
export const REQUEST_ABORTED = 'request_aborted';

/** A failed body read as `request_aborted` when the client hung up; any other error as it was. */
export function asAbortedUpload(request: Request, err: unknown): unknown {
  if (request.signal.aborted || (err as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET') {
    return new ApiError(
      400,
      REQUEST_ABORTED,
      'The connection closed before the request body arrived; nothing was started.',
    );
  }
  return err;
}

export async function readJson(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = await request.text();
  } catch (err) {
    throw asAbortedUpload(request, err);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const reason = text.trim() === '' ? 'the body is empty' : (err as Error).message;
    throw new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${reason}.`);
  }
}

export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–200 printable ASCII characters.');
  }
  return header;
}

/** Every schema problem with its path (`tasks.3.prompt`), as `fields` and in one readable message. */
export function invalidRequest(error: z.ZodError): ApiError {
  const { fields, message } = describeIssues(error);
  return new ApiError(400, 'invalid_request', `Invalid request: ${message}.`, { fields });
}
