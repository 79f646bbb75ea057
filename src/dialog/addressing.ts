/** Where in-dialog requests go and how we name ourselves (RFC 3261 §8.1.1.7, §12.2.1.1, §18). */
import { isIP } from 'node:net';
import { newBranch, type NameAddr, type Uri } from '../sip/index.ts';
import type { Endpoint, Protocol } from '../transport/types.ts';

/** `host` for a URI or Via: IPv6 addresses in brackets. */
export function hostForUri(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * The text of the last endpoint (and Contact user) formatted: a UA advertises one or two
 * endpoints, so `isIP` and the template run when the endpoint changes, not per message.
 */
interface Formatted {
  protocol: Protocol;
  address: string;
  port: number;
  user: string;
  text: string;
}
let lastVia: Formatted | undefined;
let lastContact: Formatted | undefined;

function remembered(memo: Formatted | undefined, local: Endpoint, user: string): string | undefined {
  if (memo === undefined || memo.port !== local.port || memo.address !== local.address) return undefined;
  return memo.protocol === local.protocol && memo.user === user ? memo.text : undefined;
}

/** A top Via for a request we send from `local`, with a new branch and `rport` (RFC 3581). */
export function viaFor(local: Endpoint, branch = newBranch()): string {
  let prefix = remembered(lastVia, local, '');
  if (prefix === undefined) {
    prefix = `SIP/2.0/${local.protocol.toUpperCase()} ${hostForUri(local.address)}:${local.port};branch=`;
    lastVia = { protocol: local.protocol, address: local.address, port: local.port, user: '', text: prefix };
  }
  return `${prefix}${branch};rport`;
}

/** Our Contact for `local` (with `;transport=` for stream transports). */
export function contactFor(local: Endpoint, user = 'agentline'): string {
  const known = remembered(lastContact, local, user);
  if (known !== undefined) return known;
  const transport = local.protocol === 'udp' ? '' : `;transport=${local.protocol}`;
  const text = `<sip:${user}@${hostForUri(local.address)}:${local.port}${transport}>`;
  lastContact = { protocol: local.protocol, address: local.address, port: local.port, user, text };
  return text;
}

/**
 * The endpoint to send to for a URI (the first Route or the remote target). No DNS: a
 * host that is not an IP literal falls back to `fallback` (the address the peer's
 * requests came from), which is also right for peers behind NAT.
 */
export function endpointForUri(uri: Uri, fallback: Endpoint): Endpoint {
  const address = uri.hostAddress;
  if (!uri.isSip || isIP(address) === 0) return fallback;
  const param = uri.params.get('transport')?.toLowerCase();
  const protocol: Protocol = param === 'tcp' || param === 'tls' || param === 'udp' ? param
    : uri.scheme === 'sips' ? 'tls' : fallback.protocol;
  const port = uri.port ?? (protocol === 'tls' ? 5061 : 5060);
  return { protocol, address, port };
}

/** The next hop of a dialog request: the first Route when there is a route set, else the target. */
export function nextHop(routeSet: NameAddr[], remoteTarget: Uri, fallback: Endpoint): Endpoint {
  const first = routeSet[0];
  return endpointForUri(first ? first.uri : remoteTarget, fallback);
}
