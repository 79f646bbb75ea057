/** Transaction matching keys (RFC 3261 §17.1.3 and §17.2.3). */
import type { SipRequest, SipResponse } from '../sip/index.ts';

/**
 * Server key. With an RFC 3261 branch: branch, sent-by and method, where ACK maps to
 * INVITE (and CANCEL keeps its own method, §17.2.3), plus the Call-ID: a retransmission
 * always has the same one, and peers that reuse a branch across calls (RFC 4475 reuses
 * `z9hG4bKkdjuw` for unrelated requests) must not have new requests taken for
 * retransmissions. Without the magic cookie (RFC 2543 peers): Request-URI, From tag,
 * Call-ID, CSeq number, top Via, method.
 */
export function serverKey(req: SipRequest, methodOverride?: string): string {
  const via = req.via;
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  if (via.isRfc3261) return `${via.branch}|${via.sentBy}|${method}|${req.callId}`;
  return `2543|${req.uri.toString()}|${req.from.tag ?? ''}|${req.callId}|${req.cseq.seq}|${via.toString()}|${method}`;
}

/** Client key: top Via branch and CSeq method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** Client key of a response, or undefined when its top Via has no branch. */
export function responseKey(res: SipResponse): string | undefined {
  const branch = res.via.branch;
  return branch === undefined ? undefined : clientKey(branch, res.cseq.method);
}
