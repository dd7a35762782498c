import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Prediction } from 'replicate';
import { Webhook } from 'standardwebhooks';
import type { ReplicateWebhookConfig } from '../config/replicate.js';
import type { ReplicatePool } from './client.js';
import { PredictionWaiters } from './webhookWaiters.js';

/**
 * The worker's webhook receiver: Replicate POSTs a finished prediction here, we check it was signed
 * with the secret of the account that created the prediction, and wake the activity waiting for it
 * (see PredictionWaiters). Polling stays as the fallback, so a lost webhook only costs time.
 */

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export type WebhookVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks a delivery the Standard Webhooks way (Replicate's scheme), with the `standardwebhooks`
 * library: one `v1` entry of `webhook-signature` must be the HMAC of `<id>.<timestamp>.<body>` under
 * the account's secret (compared in constant time; several entries while a secret rotates), and
 * `webhook-timestamp` within 5 minutes of now, so a captured delivery cannot be replayed later.
 * `body` is the raw body, exactly as received: re-serialised JSON would not match.
 */
export function verifyWebhook(webhook: Webhook, body: string, headers: Record<string, string>): WebhookVerdict {
  try {
    webhook.verify(body, headers, { jsonParse: false });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
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
 * Serves a Hono app on `config.listen`: POST only (405), bodies up to 10 MiB (413), 401 for an
 * unknown key or a bad signature, 503 while the key's secret cannot be fetched, 400 for a body that
 * is no prediction, 200 once delivered to the waiters. The key that created a prediction rides in
 * its webhook URL (`?key=<n>`): it only picks which account's secret to check, so forging it gains
 * nothing.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const { config, pool } = options;
  const waiters = options.waiters ?? new PredictionWaiters();
  const verifiers = webhookVerifiers(config, pool);
  for (const index of options.prefetch ?? []) verifiers(index).catch(() => undefined);

  const app = new Hono();
  // The rest of an oversized body is never read, so that connection cannot carry another request.
  const tooLarge = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.text('body too large', 413, { connection: 'close' }),
  });
  app.post('*', tooLarge, async (c) => {
    const body = await c.req.text();
    const keyIndex = Number(c.req.query('key'));
    if (!pool.has(keyIndex)) return c.text('unknown key', 401);
    let webhook: Webhook;
    try {
      webhook = await verifiers(keyIndex);
    } catch {
      // Replicate retries a failed delivery; meanwhile the activity's fallback poll carries on.
      options.onError?.(`Replicate webhooks: could not get the signing secret of key #${keyIndex}`);
      return c.text('signing secret unavailable', 503);
    }
    const verdict = verifyWebhook(webhook, body, c.req.header());
    if (!verdict.ok) return c.text(verdict.reason, 401);
    let prediction: Prediction;
    try {
      prediction = JSON.parse(body) as Prediction;
    } catch {
      return c.text('body is not JSON', 400);
    }
    if (typeof prediction?.id !== 'string' || typeof prediction.status !== 'string')
      return c.text('not a prediction', 400);
    waiters.deliver(prediction, keyIndex);
    return c.text('ok');
  });
  app.all('*', (c) => c.text('POST only', 405, { allow: 'POST' }));
  app.onError((_err, c) => c.text('internal error', 500));

  // Without http2 or TLS options, @hono/node-server serves with node:http.
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, hostname: config.listen.host, port: config.listen.port }, () => {
      listening.off('error', reject);
      resolve(listening as Server);
    });
    listening.once('error', reject);
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
 * Each key's verifier: for the configured secret, or for the one fetched from Replicate once per
 * key (its account's own). A failed fetch is forgotten so the next webhook tries again. The secret
 * is never logged.
 */
function webhookVerifiers(config: ReplicateWebhookConfig, pool: ReplicatePool): (keyIndex: number) => Promise<Webhook> {
  const cache = new Map<number, Promise<Webhook>>();
  const secretOf = async (keyIndex: number) =>
    config.secret ?? (await pool.get(keyIndex)!.client.webhooks.default.secret.get()).key;
  return (keyIndex) => {
    let verifier = cache.get(keyIndex);
    if (!verifier) {
      verifier = secretOf(keyIndex).then((secret) => {
        if (!/^whsec_/.test(secret)) throw new Error('unexpected secret format');
        return new Webhook(secret);
      });
      verifier.catch(() => cache.delete(keyIndex));
      cache.set(keyIndex, verifier);
    }
    return verifier;
  };
}
