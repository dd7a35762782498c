import type { Payload, PayloadCodec } from '@temporalio/common';
import { type MiddlewareHandler, Hono } from 'hono';
import { cors } from 'hono/cors';
import { z } from 'zod';
import type { CodecServerConfig } from '../../config/payloads.js';
import { PayloadDecryptionError } from '../../security/encryptionCodec.js';
import { sameSecret } from '../../security/sameSecret.js';
import { ApiError, methodNotAllowed } from '../errors.js';
import { invalidRequest, limitBody, readJson, requireJson } from '../jsonBody.js';

/**
 * The codec server (Temporal's remote codec protocol) for the Web UI and the temporal CLI:
 * POST /codec/encode and /codec/decode take and answer `{"payloads": [{"metadata": {k: base64},
 * "data": base64}]}`. Every call needs `Authorization: Bearer <CODEC_AUTH_TOKEN>`; without a token
 * configured the endpoints are off. CORS lets the configured origins (the Web UI) call them with
 * credentials; a preflight is answered before authentication, as browsers send it without any.
 */
export interface CodecRoutesOptions {
  /** Resolved on first use, so building the app never touches a key file. */
  codec: () => PayloadCodec | undefined;
  server: CodecServerConfig;
}

/**
 * Temporal refuses payloads over 2 MiB by default; base64 adds a third, and the Web UI sends a
 * whole event's payloads in one call. 8 MiB leaves room for that and still bounds the memory.
 */
const CODEC_MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOADS = 10_000;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const bodySchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }))
    .max(MAX_PAYLOADS),
});
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

export function codecRoutes({ codec, server }: CodecRoutesOptions): Hono {
  const routes = new Hono();
  routes.use(
    '*',
    cors({
      origin: server.allowedOrigins,
      credentials: true,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      maxAge: 600,
    }),
  );
  routes.use('*', requireCodecAccess(server.authToken, codec));

  for (const operation of ['encode', 'decode'] as const) {
    routes.post(`/${operation}`, requireJson, limitBody(CODEC_MAX_BODY_BYTES), async function codecEndpoint(c) {
      const parsed = bodySchema.safeParse(await readJson(c.req.raw));
      if (!parsed.success) throw invalidRequest(parsed.error);
      const payloads = await run(codec()!, operation, parsed.data.payloads.map(fromJson));
      c.header('Cache-Control', 'no-store');
      return c.json({ payloads: payloads.map(toJson) });
    });
    routes.all(`/${operation}`, methodNotAllowed(['POST']));
  }
  return routes;
}

/** Off without a token or a codec (404, saying which); otherwise the bearer token or a 401. */
function requireCodecAccess(token: string | undefined, codec: () => PayloadCodec | undefined): MiddlewareHandler {
  return async function requireCodecToken(c, next) {
    if (!token) {
      throw new ApiError(404, 'codec_disabled', 'The codec endpoints are off: set CODEC_AUTH_TOKEN to turn them on.');
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!given || !sameSecret(given, token)) {
      c.header('WWW-Authenticate', 'Bearer realm="reelflow codec"');
      throw new ApiError(
        401,
        'unauthorized',
        given
          ? 'The codec token is not the one configured (CODEC_AUTH_TOKEN).'
          : 'The codec endpoints need "Authorization: Bearer <CODEC_AUTH_TOKEN>".',
      );
    }
    if (!codec()) {
      throw new ApiError(
        404,
        'codec_disabled',
        'Payload encryption is off and no payload key is configured, so there is nothing to encode or decode.',
      );
    }
    await next();
  };
}

async function run(codec: PayloadCodec, operation: 'encode' | 'decode', payloads: Payload[]): Promise<Payload[]> {
  try {
    return await codec[operation](payloads);
  } catch (err) {
    // The request was well formed, but what it carries cannot be opened here: the caller's to fix.
    if (err instanceof PayloadDecryptionError) throw new ApiError(422, err.problem, err.message);
    throw err;
  }
}

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}
