/** Address helpers: the one spelling of an IP address used for keys, comparison and Inbound. */
import { isIP, isIPv6 } from 'node:net';
import type { Endpoint, Protocol } from './types.ts';

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

function hexToIpv4(hi: string, lo: string): string {
  const a = parseInt(hi, 16);
  const b = parseInt(lo, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/**
 * Canonical text of an address: IPv6 without brackets, lower case and compressed
 * (`0:0::1` → `::1`); IPv4-mapped IPv6 (`::ffff:1.2.3.4`, from dual-stack sockets) as
 * plain IPv4; host names lower-cased.
 */
export function normalizeAddress(address: string): string {
  // IPv4 and host names, nearly every call (each datagram, each Via): no regex, no URL.
  if (address.indexOf(':') < 0 && address.indexOf('%') < 0 && address.indexOf('[') < 0) return address.toLowerCase();
  let a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = a.indexOf('%');
  const scope = zone >= 0 ? a.slice(zone) : '';
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = MAPPED_V4.exec(a);
  if (mapped) return mapped[1] as string;
  if (isIPv6(a)) {
    // The WHATWG URL parser writes IPv6 in its RFC 5952 canonical form.
    const host = new URL(`http://[${a}]/`).hostname;
    const canon = host.slice(1, -1);
    const m = MAPPED_HEX.exec(canon);
    return (m ? hexToIpv4(m[1] as string, m[2] as string) : canon) + scope;
  }
  return a.toLowerCase() + scope;
}

/** True when two addresses name the same host (after {@link normalizeAddress}). */
export function sameAddress(a: string, b: string): boolean {
  return normalizeAddress(a) === normalizeAddress(b);
}

/** True for an IPv4 or IPv6 literal (brackets allowed). */
export function isIpLiteral(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(h) !== 0;
}

/** True for the wildcard addresses `0.0.0.0` and `::`. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || normalizeAddress(address) === '::';
}

/** The default port of a protocol (RFC 3261 §19.1.2): 5060, or 5061 for TLS. */
export function defaultPort(protocol: Protocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

/** Key of a remote endpoint for connection reuse: `tcp|::1|5060`. */
export function endpointKey(ep: Endpoint): string {
  return `${ep.protocol}|${normalizeAddress(ep.address)}|${ep.port}`;
}

/** `udp:[::1]:5060` / `tcp:10.0.0.1:5060`, for messages and logs. */
export function formatEndpoint(ep: Endpoint): string {
  const host = ep.address.includes(':') && isIPv6(ep.address) ? `[${ep.address}]` : ep.address;
  return `${ep.protocol}:${host}:${ep.port}`;
}
