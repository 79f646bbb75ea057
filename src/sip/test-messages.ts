/**
 * Message builders for the SIP layer's unit and property tests (not used at run time).
 * Cases are written from the descriptions in RFC 4475, not copied from its corpus.
 */
import assert from 'node:assert/strict';
import { parseMessage, type ParseOptions } from './parser.ts';
import type { SipParseErrorCode } from './errors.ts';
import type { AnyMessage, SipRequest, SipResponse } from './message.ts';

/** Joins a start line and header lines with CRLF, then the blank line, then the body. */
export function rawMessage(lines: readonly string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

/** The header lines of a small valid request of `method` (no Content-Length). */
export function requestLines(method = 'INVITE', uri = 'sip:7001@gw.example.com'): string[] {
  return [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP cc.example.com:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: <sip:7001@gw.example.com>',
    'From: "Caller" <sip:caller@cc.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@cc.example.com',
    `CSeq: 314159 ${method}`,
    'Contact: <sip:caller@cc.example.com>',
  ];
}

/** `lines` with every line whose header name is `name` (case-insensitive) replaced by `replacement`s. */
export function replaceHeader(lines: readonly string[], name: string, ...replacement: string[]): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  let done = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const isIt = colon > 0 && line.slice(0, colon).trim().toLowerCase() === lower;
    if (!isIt) out.push(line);
    else if (!done) {
      out.push(...replacement);
      done = true;
    }
  }
  return out;
}

/** Parses and asserts success. */
export function parseOk(buf: Buffer, options?: ParseOptions): AnyMessage {
  const r = parseMessage(buf, options);
  if (!r.ok) assert.fail(`expected a valid message, got ${r.error.code}: ${r.error.reason}`);
  return r.message;
}

/** Parses and asserts a request. */
export function parseRequest(buf: Buffer, options?: ParseOptions): SipRequest {
  const m = parseOk(buf, options);
  assert.ok(m.isRequest, 'expected a request');
  return m;
}

/** Parses and asserts a response. */
export function parseResponse(buf: Buffer, options?: ParseOptions): SipResponse {
  const m = parseOk(buf, options);
  assert.ok(!m.isRequest, 'expected a response');
  return m;
}

/** Parses and asserts failure with `code` (and `status` when given). */
export function parseFails(buf: Buffer, code: SipParseErrorCode, status = 400, options?: ParseOptions): void {
  const r = parseMessage(buf, options);
  assert.equal(r.ok, false, `expected ${code}, the message parsed`);
  if (r.ok) return;
  assert.equal(r.error.code, code, `expected ${code}, got ${r.error.code}: ${r.error.reason}`);
  assert.equal(r.error.status, status);
}
