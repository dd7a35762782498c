import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Prediction } from 'replicate';
import type { ReplicateWebhookConfig } from '../config/replicate.js';
import type { ReplicatePool } from './client.js';
import { PredictionWaiters } from './webhookWaiters.js';

/**
 * The worker's webhook receiver: Replicate POSTs a finished prediction here, we check it was signed
 * with the secret of the account that created the prediction, and wake the activity waiting for it
 * (see PredictionWaiters). Polling stays as the fallback, so a lost webhook only costs time.
 */

/** Standard Webhooks' replay window: a captured delivery is useless five minutes later. */
export const WEBHOOK_TOLERANCE_SEC = 5 * 60;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SignedDelivery {
  id: string | undefined;
  timestamp: string | undefined;
  /** Space-separated `v1,<base64>` entries (several while a secret rotates). */
  signature: string | undefined;
  /** The raw body, exactly as received: re-serialised JSON would not match. */
  body: string;
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: string };

/** Checks a delivery against `secret` (`whsec_<base64>`): signature in constant time, timestamp within 5 min. */
export function verifyWebhook(delivery: SignedDelivery, secret: string, nowMs = Date.now()): WebhookVerdict {
  const { id, timestamp, signature, body } = delivery;
  if (!id || !timestamp || !signature)
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(seconds) || Math.abs(nowMs / 1000 - seconds) > WEBHOOK_TOLERANCE_SEC) {
    return { ok: false, reason: 'timestamp outside the 5-minute window' };
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

export interface WebhookReceiver {
  /** The URL to pass as `webhook` for predictions created by key `keyIndex`. */
  urlFor(keyIndex: number): string;
  waiters: PredictionWaiters;
  /** host:port actually listened on (port 0 resolved). */
  address: string;
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  config: ReplicateWebhookConfig;
  pool: ReplicatePool;
  /** Keys whose secrets to fetch at start, so the first webhook does not wait for Replicate. */
  prefetch?: number[];
  waiters?: PredictionWaiters;
  onError?: (message: string) => void;
}

/**
 * Listens on `config.listen`. The key that created a prediction rides in its webhook URL
 * (`?key=<n>`): it only picks which account's secret to check, so forging it gains nothing.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const { config, pool } = options;
  const waiters = options.waiters ?? new PredictionWaiters();
  const secrets = webhookSecrets(config, pool);
  for (const index of options.prefetch ?? []) secrets(index).catch(() => undefined);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, 'POST only', { allow: 'POST' });
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, 'body too large');
    const keyIndex = Number(new URL(req.url ?? '/', 'http://receiver').searchParams.get('key'));
    if (!pool.has(keyIndex)) return reply(res, 401, 'unknown key');
    let secret: string;
    try {
      secret = await secrets(keyIndex);
    } catch {
      // Replicate retries a failed delivery; meanwhile the activity's fallback poll carries on.
      options.onError?.(`Replicate webhooks: could not get the signing secret of key #${keyIndex}`);
      return reply(res, 503, 'signing secret unavailable');
    }
    const header = (name: string) =>
      typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined;
    const verdict = verifyWebhook(
      {
        id: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        body,
      },
      secret,
    );
    if (!verdict.ok) return reply(res, 401, verdict.reason);
    let prediction: Prediction;
    try {
      prediction = JSON.parse(body) as Prediction;
    } catch {
      return reply(res, 400, 'body is not JSON');
    }
    if (typeof prediction?.id !== 'string' || typeof prediction.status !== 'string')
      return reply(res, 400, 'not a prediction');
    waiters.deliver(prediction, keyIndex);
    reply(res, 200, 'ok');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    urlFor(keyIndex) {
      const url = new URL(config.url);
      url.searchParams.set('key', String(keyIndex));
      return url.toString();
    },
    waiters,
    address: `${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Each key's signing secret: the configured one, or fetched from Replicate once per key (its
 * account's own). A failed fetch is forgotten so the next webhook tries again. Never logged.
 */
function webhookSecrets(config: ReplicateWebhookConfig, pool: ReplicatePool): (keyIndex: number) => Promise<string> {
  const cache = new Map<number, Promise<string>>();
  return (keyIndex) => {
    if (config.secret) return Promise.resolve(config.secret);
    let secret = cache.get(keyIndex);
    if (!secret) {
      secret = pool
        .get(keyIndex)!
        .client.webhooks.default.secret.get()
        .then(({ key }) => {
          if (!/^whsec_/.test(key)) throw new Error('unexpected secret format');
          return key;
        });
      secret.catch(() => cache.delete(keyIndex));
      cache.set(keyIndex, secret);
    }
    return secret;
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(message);
}
