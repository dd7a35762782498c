/**
 * Webhook delivery for the Replicate emulator: a prediction created with `webhook` gets its JSON
 * POSTed there on the events its `webhook_events_filter` lists, signed the way Replicate signs
 * (the Standard Webhooks scheme) with a secret per account, like Replicate's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Accounting } from './accounting.js';
import { createRng, type Rng } from './random.js';

export type WebhookEvent = 'start' | 'output' | 'logs' | 'completed';

/** Replicate's default when a prediction names no filter: every event. */
export const ALL_WEBHOOK_EVENTS: readonly WebhookEvent[] = ['start', 'output', 'logs', 'completed'];

const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * An account's signing secret, `whsec_<base64>`. Derived from the token so it survives emulator
 * restarts (a worker caches it, as it would Replicate's); the emulator has no accounts to store it in.
 */
export function webhookSecretFor(token: string): string {
  return `whsec_${createHash('sha256').update(`replicate-emulator webhook secret\0${token}`).digest('base64')}`;
}

export interface WebhookSenderOptions {
  send: boolean;
  /** Fraction [0, 1] of deliveries silently lost (never sent), to exercise the receiver's fallback. */
  dropRate: number;
  retryDelayMs: number;
  seed: number;
}

export interface WebhookTarget {
  token: string;
  url: string;
  filter: readonly WebhookEvent[];
}

/** Fire-and-forget delivery with one retry; outcomes go to the token's accounting. */
export class WebhookSender {
  private rng: Rng;
  private pending = new Set<AbortController>();
  private retries = new Map<NodeJS.Timeout, (go: boolean) => void>();
  /** Bumped by stop(): outcomes of deliveries begun before a reset are not counted after it. */
  private generation = 0;

  constructor(
    private readonly opts: WebhookSenderOptions,
    private readonly accounting: Accounting,
  ) {
    this.rng = createRng(opts.seed ^ 0x3eb400c);
  }

  /** Sends `body` when any of `events` passes the target's filter. Never throws, never blocks. */
  notify(target: WebhookTarget, events: readonly WebhookEvent[], body: Record<string, unknown>): void {
    if (!this.opts.send || !events.some((e) => target.filter.includes(e))) return;
    if (this.opts.dropRate > 0 && this.rng() < this.opts.dropRate) {
      this.accounting.recordWebhook(target.token, 'dropped');
      return;
    }
    // The same id on the retry, as Replicate does, so receivers can deduplicate.
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const text = JSON.stringify(body);
    const generation = this.generation;
    void this.attempt(target, id, text).then(async (ok) => {
      if (!ok) ok = (await this.after(this.opts.retryDelayMs)) && (await this.attempt(target, id, text));
      if (generation === this.generation) this.accounting.recordWebhook(target.token, ok ? 'delivered' : 'failed');
    });
  }

  private async attempt(target: WebhookTarget, id: string, body: string): Promise<boolean> {
    const controller = new AbortController();
    this.pending.add(controller);
    const now = new Date();
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          // `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, as Replicate signs.
          'webhook-signature': new Webhook(webhookSecretFor(target.token)).sign(id, now, body),
        },
        body,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok;
    } catch {
      return false;
    } finally {
      this.pending.delete(controller);
    }
  }

  /** Resolves true after `ms`, or false at once when the sender is stopped meanwhile. */
  private after(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.retries.delete(t);
        resolve(true);
      }, ms);
      t.unref();
      this.retries.set(t, resolve);
    });
  }

  /** Abandons deliveries in flight and pending retries (reset and close); restarts the drop draws. */
  stop(): void {
    this.generation++;
    for (const c of this.pending) c.abort();
    for (const [t, resolve] of this.retries) {
      clearTimeout(t);
      resolve(false);
    }
    this.pending.clear();
    this.retries.clear();
    this.rng = createRng(this.opts.seed ^ 0x3eb400c);
  }
}

/** A prediction's webhook target from its create body, or undefined when it asked for none. */
export function webhookTarget(token: string, extra: Record<string, unknown>): WebhookTarget | undefined {
  const url = extra.webhook;
  if (typeof url !== 'string' || url === '') return undefined;
  const filter = Array.isArray(extra.webhook_events_filter)
    ? ALL_WEBHOOK_EVENTS.filter((e) => (extra.webhook_events_filter as unknown[]).includes(e))
    : ALL_WEBHOOK_EVENTS;
  return { token, url, filter };
}
