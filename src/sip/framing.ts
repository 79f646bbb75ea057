/**
 * Stream framing (RFC 3261 §18.3): on TCP/TLS a message ends Content-Length bytes after
 * the blank line that ends its headers. Pure: the transport feeds bytes, this says where
 * each message ends.
 */

/** Result of looking for one message at the start of a buffer. */
export type FrameResult =
  | { kind: 'message'; length: number }
  | { kind: 'keepalive'; length: number; ping: boolean }
  | { kind: 'incomplete' }
  | { kind: 'error'; reason: string };

const CL_RE = /^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*$/im;

/**
 * Finds the first complete message in `buf`.
 * - `keepalive`: `length` leading CR/LF bytes to skip; `ping` when they form a double-CRLF
 *   keep-alive (RFC 5626 §3.5.1) that the caller answers with a single CRLF;
 * - `message`: a message of `length` bytes;
 * - `incomplete`: wait for more bytes (the caller enforces a size limit);
 * - `error`: no usable Content-Length; the stream cannot be resynchronised.
 */
export function findFrame(buf: Buffer, maxHeaderBytes = 65535): FrameResult {
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  if (start > 0) return { kind: 'keepalive', length: start, ping: start >= 4 };
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) {
    return buf.length > maxHeaderBytes ? { kind: 'error', reason: 'headers too large' } : { kind: 'incomplete' };
  }
  const head = buf.toString('latin1', 0, end);
  const m = CL_RE.exec(head);
  if (!m) return { kind: 'error', reason: 'Content-Length required on stream transports' };
  const bodyLen = Number(m[1]);
  const total = end + 4 + bodyLen;
  if (buf.length < total) return { kind: 'incomplete' };
  return { kind: 'message', length: total };
}
