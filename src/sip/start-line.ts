/**
 * The start line (RFC 3261 §7.1, §7.2): Request-Line = Method SP Request-URI SP
 * SIP-Version, Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.
 */
import { SipParseError } from './errors.ts';
import { isToken } from './grammar.ts';
import { SipRequest, SipResponse, type AnyMessage } from './message.ts';
import { parseUri } from './uri.ts';

const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

/**
 * True for SIP/2.0 (any case, RFC 3261 §7.1), false for another well-formed version.
 * @throws SipParseError `bad_start_line` when `v` is not `SIP/digits.digits`
 */
function isSip20(v: string): boolean {
  if (v === 'SIP/2.0') return true;
  const m = VERSION_RE.exec(v);
  if (!m) throw new SipParseError('bad_start_line', 'Malformed Start Line');
  return m[1] === '2' && m[2] === '0';
}

/** A response of another version is dropped by the transport: nothing to answer. */
function checkVersion(v: string): void {
  if (!isSip20(v)) throw new SipParseError('bad_version', 'SIP Version Not Supported', 505);
}

/** The version of a well-formed request line when it is not SIP/2.0, else undefined. */
export function foreignVersion(requestLine: string): string | undefined {
  if (requestLine.endsWith(' SIP/2.0')) return undefined;
  const v = requestLine.slice(requestLine.lastIndexOf(' ') + 1);
  return isSip20(v) ? undefined : v;
}

/** True when `line` starts with `SIP/` in any case (RFC 3261 §7.1: the version is case-insensitive). */
function isStatusLine(line: string): boolean {
  return (line.charCodeAt(0) | 0x20) === 115 && (line.charCodeAt(1) | 0x20) === 105
    && (line.charCodeAt(2) | 0x20) === 112 && line.charCodeAt(3) === 47;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version, single spaces only
 * (RFC 4475 lwsruri, lwsstart, trws); Status-Line = SIP-Version SP 3DIGIT SP Reason.
 */
export function parseStartLine(line: string): AnyMessage {
  // A method is a token and cannot hold '/', so "SIP/" starts a status line.
  if (isStatusLine(line)) return parseStatusLine(line);
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 === sp1 + 1 || line.indexOf(' ', sp2 + 1) >= 0) {
    throw new SipParseError('bad_start_line', 'Malformed Request Line');
  }
  const method = line.slice(0, sp1);
  if (!isToken(method)) throw new SipParseError('bad_start_line', 'Malformed Request Line');
  // Another version is well-formed here; parseMessage answers it 505 once the headers are read.
  if (!line.endsWith(' SIP/2.0')) isSip20(line.slice(sp2 + 1));
  const uri = parseUri(line.slice(sp1 + 1, sp2));
  // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 escruri).
  if (uri.isSip && uri.headers.length > 0) throw new SipParseError('bad_uri', 'Headers Not Allowed In Request-URI');
  return new SipRequest(method, uri);
}

function parseStatusLine(line: string): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw new SipParseError('bad_start_line', 'Malformed Status Line');
  checkVersion(line.slice(0, sp1));
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (!isStatusCode(code)) throw new SipParseError('bad_status', 'Bad Status Code');
  return new SipResponse(Number(code), sp2 < 0 ? '' : line.slice(sp2 + 1));
}

/** Status-Code = 3DIGIT, 100-699 (RFC 3261 §7.2; RFC 4475 bigcode). */
function isStatusCode(code: string): boolean {
  if (code.length !== 3) return false;
  const a = code.charCodeAt(0);
  const b = code.charCodeAt(1);
  const c = code.charCodeAt(2);
  return a >= 49 && a <= 54 && b >= 48 && b <= 57 && c >= 48 && c <= 57;
}
