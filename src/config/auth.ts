import { z } from 'zod';
import { describeIssues } from '../util/describeIssues.js';

/**
 * The HTTP API's three tiers (api/auth.ts): an admin key (X-Admin-Key, checked against SHA-256
 * digests, so the config never holds a key itself) → the server's key pool; a user's own Replicate
 * token (`replicate_api_token` in a JSON body, or X-Replicate-Token) → that token alone, on a key
 * worker of its own; neither → the server's pool only in AUTH_MODE=open (the default, for local use).
 */
export interface AuthConfig {
  mode: 'open' | 'keys';
  /** Hex SHA-256 digests of the admin keys. */
  adminKeyDigests: Buffer[];
  /** Predictions at once per user token, and how long an idle user key worker stays up. */
  userKeyConcurrency: number;
  userKeyIdleMs: number;
}

const schema = z.object({
  AUTH_MODE: z.enum(['open', 'keys']).default('open'),
  ADMIN_KEY_SHA256: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((list) => list.every((d) => /^[0-9a-f]{64}$/.test(d)), {
      message: 'must be comma-separated hex SHA-256 digests (printf %s "$KEY" | sha256sum)',
    }),
  USER_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(2),
  USER_KEY_IDLE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
});

export function parseAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const blank = (v: string | undefined) => (v === '' ? undefined : v);
  const parsed = schema.safeParse({
    AUTH_MODE: blank(env.AUTH_MODE),
    ADMIN_KEY_SHA256: blank(env.ADMIN_KEY_SHA256),
    USER_KEY_CONCURRENCY: blank(env.USER_KEY_CONCURRENCY),
    USER_KEY_IDLE_SECONDS: blank(env.USER_KEY_IDLE_SECONDS),
  });
  if (!parsed.success) throw new Error(describeIssues(parsed.error).message);
  const e = parsed.data;
  if (e.AUTH_MODE === 'keys' && e.ADMIN_KEY_SHA256.length === 0) {
    // Still usable with users' own tokens; said at start so nobody expects an admin key to work.
    console.warn('AUTH_MODE=keys without ADMIN_KEY_SHA256: only users with their own Replicate token get in');
  }
  return {
    mode: e.AUTH_MODE,
    adminKeyDigests: e.ADMIN_KEY_SHA256.map((d) => Buffer.from(d, 'hex')),
    userKeyConcurrency: e.USER_KEY_CONCURRENCY,
    userKeyIdleMs: e.USER_KEY_IDLE_SECONDS * 1000,
  };
}
