/**
 * The three tiers, in order (README "Who may use the API"):
 * 1. `X-Admin-Key`: its SHA-256 compared in constant time with every configured digest → the
 *    server's key pool. A wrong one is a 401 (never a fall-through to a lower tier).
 * 2. A user's own Replicate token, `replicate_api_token` in a JSON body (taken out of the body
 *    before any route reads it) or `X-Replicate-Token` → that token alone. It is checked once with
 *    Replicate's account endpoint (then remembered for ten minutes); a bad one is a 401 naming it
 *    masked. Nothing else of the request changes.
 * 3. Neither → the server's pool when AUTH_MODE=open, else a 401 saying what to send.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/index.js';
import type { RunService } from '../runs/service.js';
import { fingerprintToken } from '../config/replicate.js';
import { maskToken, registerSecrets } from '../security/redact.js';
import { ApiError } from './errors.js';
import { asAbortedUpload } from './jsonBody.js';

export type Credentials = { tier: 'admin' } | { tier: 'open' } | { tier: 'user'; token: string; key: string };

declare module 'hono' {
  interface ContextVariableMap {
    credentials: Credentials;
  }
}

const VALID_FOR_MS = 10 * 60_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{8,200}$/;
/** A JSON body the token is looked for in is at most this big (a batch's is 1 MiB). */
const BODY_TOKEN_MAX_BYTES = 2 * 1024 * 1024;

export function authTiers(
  config: Config,
  validate = replicateAccountCheck(config.replicate.baseUrl),
): MiddlewareHandler {
  const digests = config.auth.adminKeyDigests;
  const validUntil = new Map<string, number>();

  async function checkUserToken(token: string): Promise<void> {
    const masked = maskToken(token);
    if (!TOKEN_SHAPE.test(token))
      throw new ApiError(401, 'invalid_replicate_token', `The Replicate token ${masked} is not a token.`);
    const fingerprint = fingerprintToken(token);
    if ((validUntil.get(fingerprint) ?? 0) > Date.now()) return;
    const status = await validate(token);
    if (status === 401 || status === 403)
      throw new ApiError(
        401,
        'invalid_replicate_token',
        `Replicate refused the token ${masked}; check it on replicate.com/account/api-tokens.`,
      );
    if (status !== 200)
      throw new ApiError(
        502,
        'replicate_unavailable',
        `Replicate did not answer the token check for ${masked} (${status}); try again.`,
      );
    validUntil.set(fingerprint, Date.now() + VALID_FOR_MS);
  }

  return async function auth(c, next) {
    const adminKey = c.req.header('x-admin-key');
    if (adminKey !== undefined) {
      if (!isAdminKey(adminKey, digests))
        throw new ApiError(401, 'invalid_admin_key', 'X-Admin-Key is not a key this service knows.');
      c.set('credentials', { tier: 'admin' });
      return next();
    }
    const token = c.req.header('x-replicate-token') ?? (await takeBodyToken(c.req));
    if (token !== undefined) {
      // Masked wherever it could show up from here on (logs, errors), in this process.
      registerSecrets([token]);
      await checkUserToken(token);
      c.set('credentials', { tier: 'user', token, key: maskToken(token) });
      return next();
    }
    if (config.auth.mode === 'open') {
      c.set('credentials', { tier: 'open' });
      return next();
    }
    throw new ApiError(
      401,
      'unauthorized',
      'Send an admin key (X-Admin-Key) or your own Replicate token (replicate_api_token in the body, or X-Replicate-Token).',
    );
  };
}

/**
 * The runs the caller may see: a user token's own runs only (its owner is a fingerprint of the
 * token, never the token), everything for an admin key and in open mode.
 */
export function runsOf(c: { get(key: 'credentials'): Credentials | undefined }, runs: RunService): RunService {
  const credentials = c.get('credentials');
  return runs.for(credentials?.tier === 'user' ? `user-${fingerprintToken(credentials.token)}` : undefined);
}

/** The start option that makes a run use the caller's own token, when the caller gave one. */
export function userTokenOf(c: { get(key: 'credentials'): Credentials | undefined }): { replicateToken?: string } {
  const credentials = c.get('credentials');
  return credentials?.tier === 'user' ? { replicateToken: credentials.token } : {};
}

/** Every digest is compared, whatever matched first, so the time says nothing about the keys. */
function isAdminKey(presented: string, digests: Buffer[]): boolean {
  const digest = createHash('sha256').update(presented).digest();
  let match = false;
  for (const d of digests) match = timingSafeEqual(digest, d) || match;
  return match;
}

/**
 * `replicate_api_token` out of a JSON body, the body replaced by the same JSON without it, so no
 * route (and no run's input, log or Web UI summary) ever sees it as part of the request.
 */
async function takeBodyToken(req: {
  raw: Request;
  header(name: string): string | undefined;
}): Promise<string | undefined> {
  const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.raw.method !== 'POST' || (type !== 'application/json' && !type.endsWith('+json'))) return undefined;
  // Read from a copy and only so far: a larger body is left to the route's own limit (a token can
  // still come in the header).
  const text = await boundedText(req.raw.clone(), BODY_TOKEN_MAX_BYTES);
  if (text === undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // the route answers invalid_json
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('replicate_api_token' in body)) return undefined;
  const { replicate_api_token: token, ...rest } = body as Record<string, unknown>;
  if (typeof token !== 'string') throw new ApiError(400, 'invalid_request', 'replicate_api_token must be a string.');
  const stripped = JSON.stringify(rest);
  const headers = new Headers(req.raw.headers);
  headers.set('content-length', String(Buffer.byteLength(stripped)));
  (req as { raw: Request }).raw = new Request(req.raw.url, {
    method: 'POST',
    headers,
    body: stripped,
    signal: req.raw.signal,
  });
  return token;
}

async function boundedText(request: Request, maxBytes: number): Promise<string | undefined> {
  const reader = request.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read>>;
    try {
      read = await reader.read();
    } catch (err) {
      throw asAbortedUpload(request, err);
    }
    const { done, value } = read;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GET /account with the token: 200 for a live token, 401 for a bad one. */
function replicateAccountCheck(baseUrl: string) {
  return async (token: string): Promise<number> => {
    try {
      const res = await fetch(`${baseUrl.replace(/\/$/, '')}/account`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      return res.status;
    } catch {
      return 0;
    }
  };
}
