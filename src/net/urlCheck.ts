/**
 * The check every hop of a safe fetch passes before a byte is sent: the scheme, no credentials,
 * then every address the host resolves to (addressPolicy.ts says which are refused).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { type AllowList, allowed, blockedReason, displayHost, unmapped } from './addressPolicy.js';
import { SafeFetchError } from './safeFetchError.js';

/** Resolves a host name to its addresses (IPv4 or IPv6 text). Tests pass one to fake DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

/** The setting operators use to permit a refused host; named in every refusal. */
export const ALLOW_SETTING = 'FETCH_ALLOW';

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface CheckedTarget {
  url: URL;
  /** The vetted address the socket connects to. */
  address: string;
  family: 4 | 6;
}

/** Checks one hop: scheme, then every address the host resolves to. */
export async function checkUrl(text: string, allow: AllowList, resolve: Resolver): Promise<CheckedTarget> {
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

export function resolveLocation(location: string, base: string): string {
  try {
    return new URL(location, base).toString();
  } catch {
    throw new SafeFetchError('Network', `${base} redirected to an invalid location`, false, { url: base });
  }
}
