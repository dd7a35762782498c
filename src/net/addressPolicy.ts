/**
 * Which IP addresses a safe fetch may connect to: the operator's allow-list (hosts, addresses,
 * CIDRs) and the special-purpose ranges that are refused, with the reason named in words.
 */
import ipaddr from 'ipaddr.js';

export interface AllowList {
  hosts: Set<string>;
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export function parseAllowList(entries: readonly string[]): AllowList {
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

export function allowed(list: AllowList, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
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

export function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' ? (embeddedIPv4(address as ipaddr.IPv6) ?? address) : address;
}

/** `::ffff:127.0.0.1` reads better than the `::ffff:7f00:1` that URL normalises it to. */
export function displayHost(host: string): string {
  const parsed = ipaddr.parse(host);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return `::ffff:${(parsed as ipaddr.IPv6).toIPv4Address().toString()}`;
  }
  return host;
}
