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
  if (via.isRfc3261) return flat(`${via.branch}|${via.sentBy}|${method}|${req.callId}`);
  return flat(`2543|${req.uri.toString()}|${req.from.tag ?? ''}|${req.callId}|${req.cseq.seq}|${via.toString()}|${method}`);
}

/**
 * `key`, cut loose from the text it was built from. The branch and the Call-ID are slices of
 * the message's raw text, and a string concatenated from them is, in V8, a tree of such
 * slices that keeps the whole message text alive as long as the key lives: a server
 * transaction's key stays in a table up to 64*T1 (32 s) after the answer, at thousands of
 * calls a second (a 1 KB INVITE each). Reading a character makes V8 flatten the tree into
 * one new string in place, and the slices, with the text, go (transaction/keys.test.ts
 * measures it). A key is always such a tree, so this is enough, and cheaper on the path of
 * every request than the copy `detachText` makes for a value that is itself one slice.
 */
function flat(key: string): string {
  key.charCodeAt(0);
  return key;
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
