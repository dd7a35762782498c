import { ApplicationFailure } from '@temporalio/common';
import type { ReplicateKey } from '../config/replicate.js';
import { redactSecrets } from '../security/redact.js';
import { retryAfterMs } from '../util/retryAfter.js';

/**
 * Replicate's answers mapped onto our failure vocabulary. Non-retryable where trying again cannot
 * help (bad token, no credit, unknown model, invalid input); 429 carries the wait Replicate asked
 * for as `nextRetryDelay`; everything transient is left to the retry policy's backoff.
 */
export const ReplicateErrorTypes = {
  AuthFailed: 'ReplicateAuthFailed',
  OutOfCredit: 'ReplicateOutOfCredit',
  ModelNotFound: 'ReplicateModelNotFound',
  InvalidInput: 'ReplicateInvalidInput',
  RateLimited: 'ReplicateRateLimited',
  Unavailable: 'ReplicateUnavailable',
  PredictionFailed: 'PredictionFailed',
  PredictionFailedTransient: 'PredictionFailedTransient',
  PredictionCanceled: 'PredictionCanceled',
  OutputExpired: 'PredictionOutputExpired',
  KeyUnavailable: 'ReplicateKeyUnavailable',
} as const;

const NON_RETRYABLE = [
  ReplicateErrorTypes.AuthFailed,
  ReplicateErrorTypes.OutOfCredit,
  ReplicateErrorTypes.ModelNotFound,
  ReplicateErrorTypes.InvalidInput,
  ReplicateErrorTypes.PredictionFailed,
  ReplicateErrorTypes.PredictionCanceled,
];

export const replicateNonRetryableTypes: string[] = [...NON_RETRYABLE];

/** Model errors that Replicate documents (or users report) as passing: a fresh prediction usually works. */
const TRANSIENT_PREDICTION_ERROR =
  /E6716|E1000|E8765|Director: unexpected error|timed out|temporar|out of memory|CUDA|connection reset|try again/i;

interface ApiErrorLike {
  name?: string;
  message?: string;
  response?: { status: number; headers: Headers };
}

export function isTransientPredictionError(error: unknown): boolean {
  return TRANSIENT_PREDICTION_ERROR.test(String(error ?? ''));
}

/** Turns whatever the client threw into a typed failure; the token is never part of the message. */
export function failureFromClientError(err: unknown, key: ReplicateKey, doing: string): ApplicationFailure {
  const apiError = err as ApiErrorLike;
  const status = apiError?.response?.status;
  const detail = scrub(extractDetail(apiError?.message ?? String(err)), key);
  const make = (type: string, message: string, nextRetryDelay?: number) =>
    ApplicationFailure.create({
      type,
      message,
      nonRetryable: (NON_RETRYABLE as string[]).includes(type),
      nextRetryDelay,
      details: [{ status, key: key.masked }],
    });

  if (status === undefined) {
    return make(
      ReplicateErrorTypes.Unavailable,
      `Could not reach Replicate while ${doing} with key #${key.index} (${key.masked}): ${detail}`,
    );
  }
  if (status === 401 || status === 403) {
    return make(
      ReplicateErrorTypes.AuthFailed,
      `Replicate rejected key #${key.index} (${key.masked}) with ${status} while ${doing}: check REPLICATE_API_TOKEN_${key.index} (tokens start with r8_, no spaces).`,
    );
  }
  if (status === 402) {
    return make(
      ReplicateErrorTypes.OutOfCredit,
      `Key #${key.index} (${key.masked}) has no credit left (402): add billing on replicate.com. ${detail}`,
    );
  }
  if (status === 404)
    return make(ReplicateErrorTypes.ModelNotFound, `Replicate does not know this model or version (404): ${detail}`);
  if (status === 422) return make(ReplicateErrorTypes.InvalidInput, `Replicate rejected the input (422): ${detail}`);
  if (status === 429) {
    const waitMs = retryAfterMs(apiError.response!.headers, detail);
    return make(
      ReplicateErrorTypes.RateLimited,
      `Replicate throttled key #${key.index} (${key.masked}) while ${doing}; retrying in ${Math.round(waitMs / 100) / 10} s.`,
      waitMs,
    );
  }
  return make(
    ReplicateErrorTypes.Unavailable,
    `Replicate answered ${status} while ${doing} with key #${key.index} (${key.masked}): ${detail}`,
  );
}

/** Replicate's ApiError message embeds the response body; keep the `detail` when there is one. */
function extractDetail(message: string): string {
  const json = message.indexOf('{');
  if (json >= 0) {
    try {
      const body = JSON.parse(message.slice(json)) as { detail?: unknown; title?: unknown };
      if (body.detail) return String(body.detail);
      if (body.title) return String(body.title);
    } catch {
      // not JSON after all: fall through to the raw message
    }
  }
  return message.slice(0, 500);
}

/** This key's token, and anything else shaped like a credential, masked (`r8_…a1b2`). */
function scrub(text: string, key: ReplicateKey): string {
  return redactSecrets(text, [key.token]);
}

export function predictionFailure(
  prediction: { id: string; error?: unknown; logs?: string; status: string },
  key: ReplicateKey,
): ApplicationFailure {
  const error = scrub(String(prediction.error ?? 'no error message'), key);
  const logs = scrub((prediction.logs ?? '').trim().split('\n').slice(-5).join('\n'), key);
  if (prediction.status === 'canceled') {
    return ApplicationFailure.create({
      type: ReplicateErrorTypes.PredictionCanceled,
      nonRetryable: true,
      message: `Prediction ${prediction.id} was canceled outside reelflow.`,
    });
  }
  const transient = isTransientPredictionError(prediction.error);
  return ApplicationFailure.create({
    type: transient ? ReplicateErrorTypes.PredictionFailedTransient : ReplicateErrorTypes.PredictionFailed,
    nonRetryable: !transient,
    message: `Prediction ${prediction.id} failed: ${error}${logs ? `\nlast log lines:\n${logs}` : ''}`,
  });
}
