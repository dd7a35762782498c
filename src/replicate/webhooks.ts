import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
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
 * Listens on `config.listen`. The key that created a prediction rides in its webhook URL
 * (`?key=<n>`): it only picks which account's secret to check, so forging it gains nothing.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const { config, pool } = options;
  const waiters = options.waiters ?? new PredictionWaiters();
  const verifiers = webhookVerifiers(config, pool);
  for (const index of options.prefetch ?? []) verifiers(index).catch(() => undefined);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, 'POST only', { allow: 'POST' });
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, 'body too large');
    const keyIndex = Number(new URL(req.url ?? '/', 'http://receiver').searchParams.get('key'));
    if (!pool.has(keyIndex)) return reply(res, 401, 'unknown key');
    let webhook: Webhook;
    try {
      webhook = await verifiers(keyIndex);
    } catch {
      // Replicate retries a failed delivery; meanwhile the activity's fallback poll carries on.
      options.onError?.(`Replicate webhooks: could not get the signing secret of key #${keyIndex}`);
      return reply(res, 503, 'signing secret unavailable');
    }
    const headers: Record<string, string> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const verdict = verifyWebhook(webhook, body, headers);
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
