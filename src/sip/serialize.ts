/** Writes messages to bytes (RFC 3261 §7): start line, headers as stored, then the body. */
import { SipRequest, type AnyMessage } from './message.ts';

/**
 * Serializes a message. Content-Length is always written to match the body (required on
 * streams, RFC 3261 §20.14), replacing any stale value; header names keep their spelling.
 */
export function serialize(msg: AnyMessage): Buffer {
  let head = msg instanceof SipRequest
    ? `${msg.method} ${msg.uri.toString()} SIP/2.0\r\n`
    : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  let wroteLength = false;
  for (const h of msg.headers) {
    if (h.key === 'content-length') {
      if (wroteLength) continue;
      head += `${h.name}: ${msg.body.length}\r\n`;
      wroteLength = true;
      continue;
    }
    head += `${h.name}: ${h.value}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLen);
  return out;
}
