import { createHash, randomBytes } from 'node:crypto';
import { detectLanguage } from '../text/language.js';

/**
 * Workflow IDs people can read in the Web UI: `short-en-a-small-fox-woke-up-k3j9x2`. Stories in
 * other scripts get their language code and a random suffix only, keeping IDs URL-safe.
 */
export function newShortId(story: string): string {
  const slug = story
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5)
    .join('-')
    .slice(0, 40)
    .replace(/-+$/, '');
  const suffix = randomBytes(4)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, 6);
  return ['short', detectLanguage(story), slug, suffix].filter(Boolean).join('-');
}

/** An Idempotency-Key maps to one workflow ID, `<prefix>-idem-<24 hex>`; hashed, so the key never shows up. */
export function idForIdempotencyKey(prefix: string, key: string): string {
  return `${prefix}-idem-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

export function shortIdForIdempotencyKey(key: string): string {
  return idForIdempotencyKey('short', key);
}

/** Stable fingerprint of a normalised request, to tell a retried POST from a different one. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(stableStringify(request)).digest('hex').slice(0, 32);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
