/**
 * The transport's part of the Via header: stamping `received`/`rport` on requests
 * (RFC 3261 §18.2.1, RFC 3581 §4), choosing where a response goes (§18.2.2), and
 * rewriting the transport token of our own Via on the §18.1.1 TCP fallback.
 */
import type { AnyMessage, Via } from '../sip/index.ts';
import { defaultPort, isIpLiteral, normalizeAddress, sameAddress } from './address.ts';
import type { Endpoint, Protocol } from './types.ts';

/**
 * Adds `received` when the top Via's sent-by host differs from the packet source (§18.2.1)
 * and fills an empty `rport` with the source port, then also adding `received` even when
 * it is equal (RFC 3581 §4). The modified element is written back to the message.
 * @returns true when the Via was changed
 */
export function stampReceived(msg: AnyMessage, source: Endpoint): boolean {
  // The parsed top Via is stamped in place and written back: no copy, no second parse.
  const top = msg.via;
  const rportEmpty = top.params.has('rport') && !top.params.get('rport');
  const hostDiffers = !sameAddress(top.host, source.address);
  if (!hostDiffers && !rportEmpty) return false;
  // RFC 5118 §4.5: an IPv6 `received` value is written without brackets.
  top.params.set('received', normalizeAddress(source.address));
  if (rportEmpty) top.params.set('rport', String(source.port));
  msg.setTopVia(top);
  return true;
}

/**
 * Replaces the top Via element of `msg` by `via`. When the first Via line holds several
 * comma-separated elements (RFC 3261 §7.3.1), only the first is rewritten.
 */
export function rewriteTopVia(msg: AnyMessage, via: Via): void {
  if (msg.headers.some((h) => h.key === 'via')) msg.setTopVia(via);
}

/** Sets the transport token of the top Via (`SIP/2.0/TCP`), keeping branch and the rest. */
export function setTopViaTransport(msg: AnyMessage, protocol: Protocol): void {
  const top = msg.via.clone();
  top.transport = protocol.toUpperCase();
  rewriteTopVia(msg, top);
}

const PORT_RE = /^[0-9]{1,5}$/;

/**
 * Where a response goes when it cannot use the request's connection (RFC 3261 §18.2.2):
 * - UDP: `received` (else the sent-by host when it is an IP, else the packet source) at
 *   the `rport` value when present (RFC 3581 §4), else the sent-by port, else 5060.
 *   `maddr` is ignored: we never answer to multicast.
 * - TCP/TLS: a new connection to `received` (else sent-by) at the sent-by port, else the
 *   protocol's default port.
 */
export function responseTarget(via: Via, source: Endpoint): Endpoint {
  const protocol = source.protocol;
  const received = via.params.get('received');
  let address: string;
  if (received) address = received;
  else if (isIpLiteral(via.host)) address = via.host;
  else address = source.address;
  let port = via.port ?? defaultPort(protocol);
  if (protocol === 'udp') {
    const rport = via.params.get('rport');
    if (rport && PORT_RE.test(rport)) port = Number(rport);
  }
  return { protocol, address: normalizeAddress(address), port };
}
