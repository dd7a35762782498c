import { isGrpcServiceError } from '@temporalio/client';
import type { Context, ErrorHandler, Handler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  IdempotencyConflictError,
  NotAwaitingApprovalError,
  PlanEditRefusedError,
  ProviderUnavailableError,
  RunAlreadyFinishedError,
  RunNotCompletedError,
  RunNotFoundError,
  RunNotRevisableError,
  StoredFileMissingError,
} from '../runs/errors.js';
import { redact, redactError } from '../security/redact.js';

/**
 * The API's one error type and the one place errors become HTTP responses. Every error body is
 * `{ "error": { "code", "message", ...extra } }`; nothing else (no stack, no cause) leaves here.
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(status, { message });
  }
}

export interface ErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...extra, code, message: redact(message) } };
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** Temporal could not be reached (or did not answer in time), anywhere in the cause chain. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED)) return true;
  }
  return false;
}

export function temporalUnavailableMessage(address: string): string {
  return `Temporal at ${address} is not answering. Is it running? For local development start it with \`reelflow dev\`.`;
}

/** The run layer's errors as HTTP answers: one table, so every kind answers the same way. */
function fromRunError(err: unknown): ApiError | undefined {
  if (err instanceof RunNotFoundError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof RunNotCompletedError) return new ApiError(409, err.code, err.message, err.extra);
  if (err instanceof RunAlreadyFinishedError) return new ApiError(409, 'already_finished', err.message);
  if (err instanceof RunNotRevisableError) return new ApiError(409, err.code, err.message);
  if (err instanceof NotAwaitingApprovalError) return new ApiError(409, 'not_awaiting_approval', err.message);
  if (err instanceof PlanEditRefusedError) return new ApiError(400, 'invalid_request', err.message);
  if (err instanceof StoredFileMissingError) return new ApiError(410, err.code, err.message);
  if (err instanceof IdempotencyConflictError) return new ApiError(422, 'idempotency_conflict', err.message);
  if (err instanceof ProviderUnavailableError) return new ApiError(422, 'provider_unavailable', err.message);
  return undefined;
}

/** `onError` for the whole app: our errors keep their status and code; anything else is a 500. */
export function createErrorHandler(temporalAddress: string): ErrorHandler {
  return function handleError(err, c) {
    const known = err instanceof ApiError ? err : fromRunError(err);
    if (known?.code === 'request_aborted') {
      console.warn(
        `reelflow api: ${c.req.method} ${c.req.path}: the client closed the connection during the upload; nothing was started.`,
      );
    }
    if (known) return c.json(errorBody(known.code, known.message, known.extra), known.status);
    if (isTemporalUnavailable(err)) {
      return c.json(errorBody('temporal_unavailable', temporalUnavailableMessage(temporalAddress)), 503);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(errorBody('bad_request', err.message || 'The request could not be handled.'), err.status);
    }
    console.error(`reelflow api: ${c.req.method} ${c.req.path} failed:`, redactError(err));
    return c.json(errorBody('internal', 'Something went wrong on our side; the details are in the API log.'), 500);
  };
}

export const notFound: NotFoundHandler = function notFound(c) {
  return c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404);
};

/** Registered after a path's real handlers, so other methods on a known path get 405, not 404. */
export function methodNotAllowed(allowed: string[]): Handler {
  const allow = allowed.join(', ');
  return function methodNotAllowed(c: Context) {
    c.header('Allow', allow);
    return c.json(
      errorBody('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`),
      405,
    );
  };
}
