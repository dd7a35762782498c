import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/** The JSON request plumbing every POST route shares: content type, size cap, parsing, errors. */

/** Printable ASCII, 1–200 characters: room for a UUID or a client's own scheme, nothing odd. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

/** A request with 1000 bad items would list 1000 fields, so the list and the message stop at 20. */
const MAX_FIELDS = 20;

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

export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
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
  const all = error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    // An unknown key is a problem with that key, so name it as the field.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: `unknown field "${key}"` }));
    }
    return [{ path, message: issue.message }];
  });
  const fields = all.slice(0, MAX_FIELDS);
  const more = all.length > MAX_FIELDS ? ` (and ${all.length - MAX_FIELDS} more)` : '';
  const message = fields.map((f) => `${f.path || '(body)'}: ${f.message}`).join('; ');
  return new ApiError(400, 'invalid_request', `Invalid request: ${message}${more}.`, { fields });
}
