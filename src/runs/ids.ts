import { createHash } from 'node:crypto';
import { randomSuffix } from '../util/ids.js';
import { stableStringify } from '../util/stableStringify.js';

/**
 * Workflow IDs people can read in the Web UI: `<kind>-<readable part>-<random suffix>`, e.g.
 * `short-en-a-small-fox-woke-up-k3j9x2` or `batch-12tasks-k3j9x2`. The kind's name always comes
 * first, so an ID says what it is and the API never serves one kind's run as another's.
 */
export function newRunId(kind: string, ...parts: string[]): string {
  return [kind, ...parts, randomSuffix()].filter(Boolean).join('-');
}

/** A slug of the first words of Latin text (`a-small-fox-woke-up`); empty for other scripts. */
export function slugOf(text: string, words = 5, maxChars = 40): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, words)
    .join('-')
    .slice(0, maxChars)
    .replace(/-+$/, '');
}

/** An Idempotency-Key maps to one workflow ID, `<kind>-idem-<24 hex>`; hashed, so the key never shows up. */
export function idForIdempotencyKey(kind: string, key: string): string {
  return `${kind}-idem-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Stable fingerprint of a normalised request, to tell a retried POST from a different one. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(stableStringify(request)).digest('hex').slice(0, 32);
}

/** Both ID schemes of a kind start with `<kind>-`; anything else is not one of its runs. */
export function isIdOfKind(kind: string, id: string): boolean {
  return new RegExp(`^${kind}-[A-Za-z0-9._-]{1,250}$`).test(id);
}
