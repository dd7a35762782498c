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
 */
import { type FileHandle, open } from 'node:fs/promises';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export type MediaKind = 'audio' | 'image' | 'video';

/** Resolves a host name to its addresses (IPv4 or IPv6 text). Tests pass one to fake DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

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

/** The setting operators use to permit a refused host; named in every refusal. */
export const ALLOW_SETTING = 'FETCH_ALLOW';

export type SafeFetchErrorCode =
  'UrlRefused' | 'TooLarge' | 'Timeout' | 'WrongContent' | 'TooManyRedirects' | 'HttpStatus' | 'Network';

/**
 * Why a fetch did not deliver. `UrlRefused` means the URL (or a redirect) points where we never
 * go; `retryable` says whether trying the same URL again could help (a timeout, a 503, a reset).
 */
export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly details: { url: string; address?: string; status?: number } = { url: '' },
  ) {
    super(message);
  }
}

const DEFAULT_MAX_REDIRECTS = 5;
/** Enough for every signature we look for (MPEG-TS wants two packets' sync bytes). */
const SNIFF_BYTES = 512;

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

type Sink = (chunk: Buffer) => Promise<void>;

const REDIRECT = new Set([301, 302, 303, 307, 308]);

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

// ---------------------------------------------------------------------------------------------
// Addresses

interface AllowList {
  hosts: Set<string>;
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

function parseAllowList(entries: readonly string[]): AllowList {
  const list: AllowList = { hosts: new Set(), ranges: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    const bare = entry.replace(/^\[(.*)\]$/, '$1');
    if (entry.includes('/')) list.ranges.push(ipaddr.parseCIDR(bare));
    else if (ipaddr.isValid(bare)) {
      const address = ipaddr.parse(bare);
      list.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else list.hosts.add(entry);
  }
  return list;
}

function allowed(list: AllowList, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return list.ranges.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
}

const V4_RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  carrierGradeNat: 'a carrier-grade NAT (RFC 6598) address',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
};

const V6_RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  uniqueLocal: 'an IPv6 unique-local address',
  linkLocal: 'an IPv6 link-local address',
  deprecatedSiteLocal: 'an IPv6 site-local address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
};

/**
 * Why `text` must not be fetched, or undefined for a public unicast address. IPv6 forms that carry
 * an IPv4 address are judged by that address, so ::ffff:127.0.0.1 is as loopback as 127.0.0.1.
 */
export function blockedReason(text: string): { what: string; mapsTo?: string } | undefined {
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv4') return wrap(v4Reason(address as ipaddr.IPv4));
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    const what = v4Reason(embedded);
    return what ? { what, mapsTo: embedded.toString() } : undefined;
  }
  const range = v6.range();
  if (range === 'unicast') return undefined;
  return { what: V6_RANGE_NAMES[range] ?? `a special-purpose IPv6 address (${range})` };
}

function wrap(what: string | undefined) {
  return what ? { what } : undefined;
}

function v4Reason(address: ipaddr.IPv4): string | undefined {
  if (address.toString() === '169.254.169.254') return 'a link-local address (the cloud metadata service)';
  const range = address.range();
  if (range === 'unicast') return undefined;
  return V4_RANGE_NAMES[range] ?? `a special-purpose IPv4 address (${range})`;
}

/** The IPv4 address inside an IPv6 transition form: mapped, compatible, SIIT, NAT64, 6to4. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && p[5] === 0xffff) return v4(p[6]!, p[7]!); // ::ffff:a.b.c.d
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return v4(p[6]!, p[7]!); // ::ffff:0:a.b.c.d
  if (zeros(0, 6) && (p[6] !== 0 || p[7]! > 1)) return v4(p[6]!, p[7]!); // ::a.b.c.d (deprecated)
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4(p[6]!, p[7]!); // NAT64 64:ff9b::/96
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!); // 6to4
  return undefined;
}

interface CheckedTarget {
  url: URL;
  /** The vetted address the socket connects to. */
  address: string;
  family: 4 | 6;
}

/** Checks one hop: scheme, then every address the host resolves to. */
async function checkUrl(text: string, allow: AllowList, resolve: Resolver): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SafeFetchError('UrlRefused', `refused: ${JSON.stringify(text.slice(0, 200))} is not a URL`, false, {
      url: text,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeFetchError(
      'UrlRefused',
      `refused: only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}`,
      false,
      { url: text },
    );
  }
  if (url.username || url.password) {
    throw new SafeFetchError('UrlRefused', 'refused: URLs with credentials in them are not fetched', false, {
      url: `${url.protocol}//${url.host}${url.pathname}`,
    });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const literal = ipaddr.isValid(host);
  let addresses: string[];
  if (literal) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new SafeFetchError('Network', `could not resolve ${host}: ${(err as Error).message}`, true, { url: text });
    }
    if (!addresses.length) throw new SafeFetchError('Network', `${host} resolves to no address`, true, { url: text });
  }
  const hostAllowed = allow.hosts.has(host);
  for (const address of addresses) {
    if (!ipaddr.isValid(address)) {
      throw new SafeFetchError('Network', `${host} resolved to ${JSON.stringify(address)}, not an address`, false, {
        url: text,
      });
    }
    const parsed = ipaddr.parse(address);
    if (hostAllowed || allowed(allow, parsed) || allowed(allow, unmapped(parsed))) continue;
    const reason = blockedReason(address);
    if (!reason) continue;
    // "127.0.0.1 is a loopback address", "::ffff:127.0.0.1 maps to 127.0.0.1, a loopback address",
    // "music.example resolves to 10.0.0.7, a private (RFC 1918) address".
    const what = reason.mapsTo ? `maps to ${reason.mapsTo}, ${reason.what}` : reason.what;
    const subject = literal
      ? `${displayHost(host)}${reason.mapsTo ? '' : ' is'}`
      : `${host} resolves to ${address},${reason.mapsTo ? ' which' : ''}`;
    throw new SafeFetchError('UrlRefused', `refused: ${subject} ${what}; set ${ALLOW_SETTING} to permit it`, false, {
      url: text,
      address,
    });
  }
  const address = addresses[0]!;
  return { url, address, family: ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6 };
}

function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' ? (embeddedIPv4(address as ipaddr.IPv6) ?? address) : address;
}

/** `::ffff:127.0.0.1` reads better than the `::ffff:7f00:1` that URL normalises it to. */
function displayHost(host: string): string {
  const parsed = ipaddr.parse(host);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return `::ffff:${(parsed as ipaddr.IPv6).toIPv4Address().toString()}`;
  }
  return host;
}

function resolveLocation(location: string, base: string): string {
  try {
    return new URL(location, base).toString();
  } catch {
    throw new SafeFetchError('Network', `${base} redirected to an invalid location`, false, { url: base });
  }
}

// ---------------------------------------------------------------------------------------------
// The request itself

/** A socket lookup that always answers the vetted address, whatever DNS would say now. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function request(target: CheckedTarget, signal: AbortSignal): Promise<http.IncomingMessage> {
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        // A fresh socket per request: a pooled one may have been opened for another check.
        agent: false,
        lookup: pinnedLookup(target.address, target.family),
        headers: { 'user-agent': 'reelflow', accept: '*/*', 'accept-encoding': 'identity' },
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

async function readBody(
  response: http.IncomingMessage,
  url: string,
  maxBytes: number,
  accept: readonly MediaKind[],
  sink: Sink,
): Promise<{ bytes: number; format: string; kind: MediaKind }> {
  const tooLarge = () =>
    new SafeFetchError('TooLarge', `${url} is larger than the ${formatBytes(maxBytes)} limit`, false, { url });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  let head: Buffer = Buffer.alloc(0);
  let sniffed: { format: string; kind: MediaKind } | undefined;
  let bytes = 0;
  const flushHead = async () => {
    sniffed = sniff(head, accept, url);
    await sink(head);
  };
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw tooLarge();
      if (sniffed) await sink(chunk);
      else {
        head = Buffer.concat([head, chunk]);
        if (head.length >= SNIFF_BYTES) await flushHead();
      }
    }
  } finally {
    response.destroy();
  }
  if (!sniffed) await flushHead();
  if (Number.isFinite(declared) && bytes !== declared) {
    throw new SafeFetchError('Network', `${url} sent ${bytes} of its ${declared} bytes`, true, { url });
  }
  return { bytes, ...sniffed! };
}

function asFetchError(
  err: unknown,
  url: string,
  timedOut: boolean,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): unknown {
  if (err instanceof SafeFetchError) return err;
  if (callerSignal?.aborted) return callerSignal.reason ?? err;
  if (timedOut) {
    return new SafeFetchError('Timeout', `${url} did not finish within ${(timeoutMs / 1000).toFixed(1)} s`, true, {
      url,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SafeFetchError('Network', `fetching ${url} failed: ${message}`, true, { url });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n} bytes`;
}

// ---------------------------------------------------------------------------------------------
// Magic bytes

interface Signature {
  format: string;
  kinds: readonly MediaKind[];
  test(b: Buffer): boolean;
}

const ascii = (b: Buffer, at: number, text: string) =>
  b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;
const AUDIO: readonly MediaKind[] = ['audio'];
const AV: readonly MediaKind[] = ['audio', 'video'];
const IMAGE: readonly MediaKind[] = ['image'];
const VIDEO: readonly MediaKind[] = ['video'];

/** ISO base media brands that only ever hold audio, or a still image. */
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ']);
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'mif1', 'msf1']);

const SIGNATURES: Signature[] = [
  { format: 'wav', kinds: AUDIO, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE') },
  { format: 'aiff', kinds: AUDIO, test: (b) => ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC')) },
  { format: 'flac', kinds: AUDIO, test: (b) => ascii(b, 0, 'fLaC') },
  { format: 'mp3', kinds: AUDIO, test: (b) => ascii(b, 0, 'ID3') },
  // ADTS AAC: 12 sync bits, then layer 00.
  { format: 'aac', kinds: AUDIO, test: (b) => b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0 },
  // An MPEG audio frame: 11 sync bits, a defined version and a defined layer.
  {
    format: 'mp3',
    kinds: AUDIO,
    test: (b) =>
      b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0 && (b[1]! & 0x18) !== 0x08,
  },
  { format: 'ogg', kinds: AV, test: (b) => ascii(b, 0, 'OggS') },
  { format: 'matroska', kinds: AV, test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3 },
  {
    format: 'mp4',
    kinds: AUDIO,
    test: (b) => ascii(b, 4, 'ftyp') && AUDIO_BRANDS.has(b.toString('latin1', 8, 12)),
  },
  {
    format: 'heif',
    kinds: IMAGE,
    test: (b) => ascii(b, 4, 'ftyp') && IMAGE_BRANDS.has(b.toString('latin1', 8, 12)),
  },
  { format: 'mp4', kinds: AV, test: (b) => ascii(b, 4, 'ftyp') },
  { format: 'png', kinds: IMAGE, test: (b) => b.length >= 8 && b.readBigUInt64BE(0) === 0x89504e470d0a1a0an },
  { format: 'jpeg', kinds: IMAGE, test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'gif', kinds: IMAGE, test: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { format: 'webp', kinds: IMAGE, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { format: 'avi', kinds: VIDEO, test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'AVI ') },
  { format: 'flv', kinds: VIDEO, test: (b) => ascii(b, 0, 'FLV\x01') },
  {
    format: 'mpegts',
    kinds: VIDEO,
    test: (b) => b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47,
  },
  { format: 'mpeg-ps', kinds: VIDEO, test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0x000001ba },
];

/** The format the first bytes of a body announce, if it is of a kind the caller accepts. */
export function sniff(head: Buffer, accept: readonly MediaKind[], url = ''): { format: string; kind: MediaKind } {
  if (head.length === 0) throw new SafeFetchError('WrongContent', `${url} sent an empty body`, false, { url });
  const found = SIGNATURES.find((s) => s.test(head));
  const kind = found?.kinds.find((k) => accept.includes(k));
  if (found && kind) return { format: found.format, kind };
  const what = found ? `${found.format} (${found.kinds.join(' or ')})` : 'not a media format we know';
  throw new SafeFetchError('WrongContent', `${url} is ${what} by its first bytes, not ${accept.join(' or ')}`, false, {
    url,
  });
}
