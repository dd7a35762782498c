import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `given` is `expected`, in time that depends on neither: both are hashed first, so the
 * comparison always runs over 32 bytes and not even the secret's length leaks through timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
