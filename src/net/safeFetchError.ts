/** The one error a safe fetch fails with, and how any other failure is turned into it. */

export type SafeFetchErrorCode =
  'UrlRefused' | 'TooLarge' | 'Timeout' | 'WrongContent' | 'TooManyRedirects' | 'HttpStatus' | 'Network';

/**
 * Why a fetch did not deliver. `UrlRefused` means the URL (or a redirect) points where we never
 * go; `retryable` says whether trying the same URL again could help (a timeout, a 503, a reset).
 */
export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly details: { url: string; address?: string; status?: number } = { url: '' },
  ) {
    super(message);
  }
}

export function asFetchError(
  err: unknown,
  url: string,
  timedOut: boolean,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): unknown {
  if (err instanceof SafeFetchError) return err;
  if (callerSignal?.aborted) return callerSignal.reason ?? err;
  if (timedOut) {
    return new SafeFetchError('Timeout', `${url} did not finish within ${(timeoutMs / 1000).toFixed(1)} s`, true, {
      url,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SafeFetchError('Network', `fetching ${url} failed: ${message}`, true, { url });
}
