/**
 * The one way reelflow fetches a URL that a user gave it (a music track now, images and videos
 * later). A user URL is an attacker's chance to make a worker talk to what only the worker can
 * reach (the cloud metadata service, a database on the private network, the worker's own admin
 * ports), so every hop is checked before a byte is sent:
 *
 * - http and https only;
 * - the host is resolved once and every address it resolves to must be public: loopback, private
 *   (RFC 1918), carrier-grade NAT, link-local (169.254.169.254 included), multicast, unspecified,
 *   reserved, IPv6 unique-local and link-local are refused, and IPv6 forms that carry an IPv4
 *   address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the IPv4 address inside;
 * - the connection goes to the address that was checked (the socket's `lookup` is pinned to it),
 *   so a DNS answer that changes between the check and the connect (rebinding) changes nothing;
 * - redirects are followed by hand, at most `maxRedirects`, each hop checked like the first;
 * - the body is counted as it streams and the transfer aborted past `maxBytes`; the whole fetch,
 *   redirects included, must finish within `timeoutMs`;
 * - the body's first bytes must be a format of a kind the caller accepts (audio, image, video);
 *   the Content-Type header is only reported, never trusted.
 *
 * Operators (and tests) may permit hosts or CIDRs explicitly with `allow` (config FETCH_ALLOW).
 *
 * This file is the fetcher and the module's entry; the parts live beside it: addressPolicy.ts (which
 * addresses are refused, the allow-list), urlCheck.ts (one hop's check), pinnedRequest.ts (the pinned
 * request and its bounded body), mediaSniff.ts (magic bytes), safeFetchError.ts (the error).
 */
import { type FileHandle, open } from 'node:fs/promises';
import { parseAllowList } from './addressPolicy.js';
import type { MediaKind } from './mediaSniff.js';
import { type Sink, readBody, request } from './pinnedRequest.js';
import { SafeFetchError, asFetchError } from './safeFetchError.js';
import { type Resolver, checkUrl, resolveLocation, systemResolver } from './urlCheck.js';

export { blockedReason } from './addressPolicy.js';
export { type MediaKind, sniff } from './mediaSniff.js';
export { SafeFetchError, type SafeFetchErrorCode } from './safeFetchError.js';
export { ALLOW_SETTING, type Resolver } from './urlCheck.js';

export interface SafeFetcherOptions {
  /** Host names (exact, case-insensitive), addresses or CIDRs that may be fetched even if not public. */
  allow?: readonly string[];
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  /** The most a whole fetch (every redirect and the body) may take. */
  timeoutMs: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** DNS; by default the system resolver (getaddrinfo, as Node itself would connect). */
  resolve?: Resolver;
}

export interface FetchOptions {
  /** The kinds of content the caller can use; anything else is refused by its first bytes. */
  accept: readonly MediaKind[];
  signal?: AbortSignal;
}

export interface FetchedMedia {
  /** The URL that answered with the body, after redirects. */
  finalUrl: string;
  bytes: number;
  /** What the first bytes say the body is: its format and the kind the caller accepted it as. */
  format: string;
  kind: MediaKind;
  /** The server's Content-Type, for information only. */
  declaredType?: string;
  redirects: number;
}

export interface SafeFetcher {
  /**
   * Checks a URL as the first hop of a fetch would (scheme, DNS, addresses) without connecting:
   * lets a caller refuse a URL before it prepares anything for it. A fetch checks again anyway.
   */
  check(url: string): Promise<void>;
  /** Streams the body into `file` (created, or truncated, once the first bytes have been accepted). */
  download(url: string, file: string, options: FetchOptions): Promise<FetchedMedia>;
  /** The body in memory, for small things. */
  fetch(url: string, options: FetchOptions): Promise<FetchedMedia & { body: Buffer }>;
}

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export function createSafeFetcher(options: SafeFetcherOptions): SafeFetcher {
  const allow = parseAllowList(options.allow ?? []);
  const resolve = options.resolve ?? systemResolver;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;

  async function run(url: string, fetchOptions: FetchOptions, sink: Sink): Promise<FetchedMedia> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    const signal = fetchOptions.signal ? AbortSignal.any([deadline.signal, fetchOptions.signal]) : deadline.signal;
    let current = url;
    try {
      for (let redirects = 0; ; redirects++) {
        const target = await checkUrl(current, allow, resolve);
        signal.throwIfAborted();
        const response = await request(target, signal);
        const location = response.statusCode && REDIRECT.has(response.statusCode) && response.headers.location;
        if (location) {
          response.destroy();
          if (redirects >= maxRedirects) {
            throw new SafeFetchError('TooManyRedirects', `more than ${maxRedirects} redirects from ${url}`, false, {
              url,
            });
          }
          current = resolveLocation(location, current);
          continue;
        }
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          response.destroy();
          const retryable = status >= 500 || status === 429 || status === 408;
          throw new SafeFetchError('HttpStatus', `${current} answered HTTP ${status}`, retryable, {
            url: current,
            status,
          });
        }
        const body = await readBody(response, current, options.maxBytes, fetchOptions.accept, sink);
        return { ...body, finalUrl: current, redirects, declaredType: response.headers['content-type'] };
      }
    } catch (err) {
      throw asFetchError(err, current, deadline.signal.aborted, options.timeoutMs, fetchOptions.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async check(url) {
      await checkUrl(url, allow, resolve);
    },
    async download(url, file, fetchOptions) {
      let handle: FileHandle | undefined;
      try {
        return await run(url, fetchOptions, async (chunk) => {
          handle ??= await open(file, 'w');
          await handle.write(chunk);
        });
      } finally {
        await handle?.close();
      }
    },
    async fetch(url, fetchOptions) {
      const chunks: Buffer[] = [];
      const fetched = await run(url, fetchOptions, async (chunk) => void chunks.push(chunk));
      return { ...fetched, body: Buffer.concat(chunks) };
    },
  };
}
