import Replicate from 'replicate';
import type { ReplicateKey } from '../config/replicate.js';
import { KeySlots } from './keySlots.js';

type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Temporal owns retries. The `replicate` client (1.4) retries 429 and 5xx up to five times with no
 * real wait and ignores Retry-After; there is no option to turn that off. Every attempt it makes
 * passes the same `init` object, so this fetch answers later attempts with the first retryable
 * response: one request goes on the wire, and the ApiError that comes back keeps its status and
 * Retry-After for our error mapping. Errors thrown by fetch are replayed the same way.
 */
export function noRetryFetch(inner: FetchFn = (input, init) => fetch(input, init)): FetchFn {
  const seen = new WeakMap<object, { body: ArrayBuffer; init: ResponseInit } | { error: unknown }>();
  return async (input, init) => {
    const key = (init ?? input) as object;
    const previous = seen.get(key);
    if (previous) {
      if ('error' in previous) throw previous.error;
      return new Response(previous.body.slice(0), previous.init);
    }
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      seen.set(key, { error });
      throw error;
    }
    if (response.status !== 429 && response.status < 500) return response;
    const saved = {
      body: await response.arrayBuffer(),
      init: { status: response.status, statusText: response.statusText, headers: response.headers },
    };
    seen.set(key, saved);
    return new Response(saved.body.slice(0), saved.init);
  };
}

export interface KeyClient {
  key: ReplicateKey;
  client: Replicate;
  /** The key's upstream concurrency in this process (see keySlots.ts). */
  slots: KeySlots;
}

export function createKeyClient(key: ReplicateKey, baseUrl: string): KeyClient {
  return {
    key,
    client: new Replicate({ auth: key.token, baseUrl, fetch: noRetryFetch() as typeof fetch }),
    slots: new KeySlots(key.concurrency),
  };
}

/** Clients for every configured key: a resumed prediction is watched with the key that created it. */
export type ReplicatePool = Map<number, KeyClient>;

export function createReplicatePool(keys: ReplicateKey[], baseUrl: string): ReplicatePool {
  return new Map(keys.map((key) => [key.index, createKeyClient(key, baseUrl)]));
}
