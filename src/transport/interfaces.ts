/** The address a transport advertises (Via sent-by, Contact) when bound to a wildcard. */
import { networkInterfaces } from 'node:os';
import { isWildcard, normalizeAddress } from './address.ts';

/**
 * `publicAddress` when given; else `host` unless it is a wildcard; else the first
 * non-internal interface address: IPv4 for `0.0.0.0`; IPv4 then IPv6 for `::` (Node
 * binds it dual-stack, and trunks are mostly IPv4); else loopback.
 */
export function advertisedAddress(host: string, publicAddress: string | undefined): string {
  if (publicAddress) return publicAddress;
  if (!isWildcard(host)) return normalizeAddress(host);
  const v6 = host.includes(':');
  const families = v6 ? ['IPv4', 'IPv6'] : ['IPv4'];
  for (const family of families) {
    const found = firstExternal(family);
    if (found) return found;
  }
  return v6 ? '::1' : '127.0.0.1';
}

function firstExternal(family: string): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // Link-local IPv6 needs a zone id to be usable: skip it.
      if (!a.internal && a.family === family && !a.address.startsWith('fe80:')) return a.address;
    }
  }
  return undefined;
}
