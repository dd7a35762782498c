/**
 * How long a provider asked us to wait: `Retry-After` (seconds or an HTTP date), else wording such
 * as Replicate's "available in ~N seconds", else `fallbackMs`. Used as `nextRetryDelay`, so Temporal
 * waits exactly that long instead of its own backoff.
 */
export function retryAfterMs(headers: Headers | undefined, detail = '', fallbackMs = 10_000): number {
  const header = headers?.get('retry-after');
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(100, seconds * 1000);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(100, date - Date.now());
  }
  const match = /(?:available in|resets in|try again in)\s*~?\s*(\d+(?:\.\d+)?)\s*s/i.exec(detail);
  if (match) return Math.max(100, Number(match[1]) * 1000);
  return fallbackMs;
}
