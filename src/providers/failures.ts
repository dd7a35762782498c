import { ApplicationFailure } from '@temporalio/common';
import { redact } from '../security/redact.js';
import { retryAfterMs } from '../util/retryAfter.js';

/**
 * One vocabulary for the HTTP answers of the AI services behind the planner and the voices (the
 * LLM endpoint, OpenAI speech, ElevenLabs), so every provider's 401, 429 or 5xx means the same to
 * the workflow's retry policy, the API and the CLI. Replicate keeps its own (replicate/errors.ts)
 * because predictions add states of their own.
 */
export const ProviderErrorTypes = {
  LlmNotConfigured: 'LlmNotConfigured',
  LlmAuthFailed: 'LlmAuthFailed',
  LlmModelNotFound: 'LlmModelNotFound',
  LlmRejected: 'LlmRejected',
  LlmRateLimited: 'LlmRateLimited',
  LlmUnavailable: 'LlmUnavailable',
  /** The LLM answered, but not with a plan we can use, even after a repair round trip. */
  PlanInvalid: 'PlanInvalid',
  SpeechNotConfigured: 'SpeechNotConfigured',
  SpeechAuthFailed: 'SpeechAuthFailed',
  SpeechQuotaExceeded: 'SpeechQuotaExceeded',
  SpeechRejected: 'SpeechRejected',
  SpeechRateLimited: 'SpeechRateLimited',
  SpeechUnavailable: 'SpeechUnavailable',
} as const;

const NON_RETRYABLE: readonly string[] = [
  ProviderErrorTypes.LlmNotConfigured,
  ProviderErrorTypes.LlmAuthFailed,
  ProviderErrorTypes.LlmModelNotFound,
  ProviderErrorTypes.LlmRejected,
  ProviderErrorTypes.PlanInvalid,
  ProviderErrorTypes.SpeechNotConfigured,
  ProviderErrorTypes.SpeechAuthFailed,
  ProviderErrorTypes.SpeechQuotaExceeded,
  ProviderErrorTypes.SpeechRejected,
];

export const providerNonRetryableTypes: string[] = [...NON_RETRYABLE];

export type ProviderFamily = 'Llm' | 'Speech';

export interface HttpProblem {
  family: ProviderFamily;
  /** Undefined when the request never got an answer (refused, reset, timed out). */
  status?: number;
  headers?: Headers;
  /** The provider's own words, already short; redacted here. */
  detail: string;
  /** "the LLM at http://127.0.0.1:11434/v1" */
  service: string;
  /** How the key shows in messages (`sk-…a1b2`), or undefined for a keyless endpoint. */
  maskedKey?: string;
  /** What we were doing: "planning the scenes". */
  doing: string;
  /** Which variable holds the key, for the advice in an auth failure. */
  keyVariable: string;
  /** The provider said the account's quota is spent (ElevenLabs answers that with 401). */
  quotaExceeded?: boolean;
  /** The provider said the model does not exist. */
  modelNotFound?: boolean;
}

export function failure(type: string, message: string, nextRetryDelay?: number, status?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: redact(message),
    nonRetryable: NON_RETRYABLE.includes(type),
    nextRetryDelay,
    details: status === undefined ? undefined : [{ status }],
  });
}

/** A provider's HTTP answer (or the lack of one) as a typed failure the retry policy understands. */
export function httpFailure(p: HttpProblem): ApplicationFailure {
  const t = (suffix: string) => `${p.family}${suffix}`;
  const key = p.maskedKey ? ` with key ${p.maskedKey}` : '';
  const detail = p.detail ? `: ${p.detail.slice(0, 300)}` : '';
  if (p.status === undefined) {
    return failure(t('Unavailable'), `Could not reach ${p.service} while ${p.doing}${detail}`);
  }
  if (p.quotaExceeded) {
    return failure(
      ProviderErrorTypes.SpeechQuotaExceeded,
      `The quota of ${p.service}${key} is spent (${p.status}) while ${p.doing}; add credits or use another key or voice provider${detail}`,
      undefined,
      p.status,
    );
  }
  if (p.status === 401 || p.status === 403) {
    return failure(
      t('AuthFailed'),
      `${p.service} rejected the request${key} with ${p.status} while ${p.doing}: check ${p.keyVariable}${detail}`,
      undefined,
      p.status,
    );
  }
  if (p.status === 404 || p.modelNotFound) {
    return failure(
      p.family === 'Llm' ? ProviderErrorTypes.LlmModelNotFound : ProviderErrorTypes.SpeechRejected,
      `${p.service} does not know the model or voice asked for (${p.status})${detail}`,
      undefined,
      p.status,
    );
  }
  if (p.status === 429) {
    const waitMs = retryAfterMs(p.headers, p.detail);
    return failure(
      t('RateLimited'),
      `${p.service} throttled us while ${p.doing}; retrying in ${Math.round(waitMs / 100) / 10} s${detail}`,
      waitMs,
      p.status,
    );
  }
  if (p.status >= 500 || p.status === 408) {
    return failure(
      t('Unavailable'),
      `${p.service} answered ${p.status} while ${p.doing}${detail}`,
      undefined,
      p.status,
    );
  }
  return failure(
    t('Rejected'),
    `${p.service} refused the request (${p.status}) while ${p.doing}${detail}`,
    undefined,
    p.status,
  );
}
