import { randomBytes } from 'node:crypto';

/**
 * The random tail of every run ID (`short-en-a-fox-k3j9x2`, `batch-12tasks-k3j9x2`): six lowercase
 * letters and digits, ~2 billion values, enough that IDs made by people's requests never collide.
 */
export function randomSuffix(length = 6): string {
  return randomBytes(length)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, length);
}
