/**
 * Invalid messages (RFC 4475 §3.1.2, and the semantic cases of §3.3 a parser can see) and
 * limits: each must fail with a stable code and the status the transport answers with.
 * Cases are our own, written from the RFC's text; titles name the RFC message they mirror.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from './parser.ts';
import { parseFails, parseRequest, rawMessage, replaceHeader, requestLines } from './test-messages.ts';

const withHeader = (name: string, ...lines: string[]): Buffer => rawMessage(replaceHeader(requestLines(), name, ...lines));

describe('parseMessage rejects malformed header values', () => {
  it('whitespace inside angle brackets (RFC 4475 badaspec)', () => {
    parseFails(withHeader('To', 'To: < sip:7001@gw.example.com >'), 'bad_header_value');
    parseFails(withHeader('Contact', 'Contact: <sip:caller@cc.example.com >'), 'bad_header_value');
  });

  it('a Date not in GMT (RFC 4475 baddate)', () => {
    parseFails(rawMessage([...requestLines(), 'Date: Fri, 01 Jan 2010 16:00:00 EST']), 'bad_header_value');
  });

  it('an unquoted comma in a display name (RFC 4475 baddn)', () => {
    parseFails(withHeader('From', 'From: Bell, Alexander <sip:a.g.bell@cc.example.com>;tag=43'), 'bad_header_value');
  });

  it('empty parameters ";;," in Via and Contact (RFC 4475 badinv01)', () => {
    parseFails(withHeader('Via', 'Via: SIP/2.0/UDP 192.0.2.15;;,;,,'), 'bad_header_value');
    parseFails(withHeader('Contact', 'Contact: "Joe" <sip:joe@192.0.2.15>;;,;,,'), 'bad_header_value');
  });

  it('an unbalanced quote (RFC 4475 quotbal)', () => {
    parseFails(withHeader('From', 'From: "Mr. J. User <sip:j.user@cc.example.com>;tag=1'), 'bad_header_value');
    parseFails(withHeader('Contact', 'Contact: "Mr. J. User <sip:j.user@cc.example.com>, <sip:x@y.example.com>'), 'bad_header_value');
  });

  it('a Contact addr-spec holding "?" or "," (RFC 4475 regbadct, RFC 3261 §20)', () => {
    parseFails(withHeader('Contact', 'Contact: sip:user@cc.example.com?Route=%3Csip:cc.example.com%3E'), 'bad_header_value');
  });

  it('a CSeq number of 2**31 or more, or not a number (RFC 4475 scalar02, scalarlg)', () => {
    parseFails(withHeader('CSeq', `CSeq: ${2 ** 31} INVITE`), 'bad_header_value');
    parseFails(withHeader('CSeq', 'CSeq: 36893488147419103232 INVITE'), 'bad_header_value');
    parseFails(withHeader('CSeq', 'CSeq: -1 INVITE'), 'bad_header_value');
    parseFails(withHeader('CSeq', 'CSeq: INVITE'), 'bad_header_value');
  });

  it('Max-Forwards above 255 or not a number (RFC 4475 scalar02, scalarlg)', () => {
    parseFails(withHeader('Max-Forwards', 'Max-Forwards: 256'), 'bad_header_value');
    parseFails(withHeader('Max-Forwards', 'Max-Forwards: 300'), 'bad_header_value');
    parseFails(withHeader('Max-Forwards', 'Max-Forwards: -1'), 'bad_header_value');
  });

  it('an Expires that is not a number of seconds', () => {
    parseFails(rawMessage([...requestLines(), 'Expires: 1'.padEnd(40, '0')]), 'bad_header_value');
    parseFails(rawMessage([...requestLines(), 'Expires: soon']), 'bad_header_value');
  });

  it('a header line without a colon, or a bad header name', () => {
    parseFails(rawMessage([...requestLines(), 'NoColonHere']), 'bad_header_line');
    parseFails(rawMessage([...requestLines(), 'Bad Name: x']), 'bad_header_line');
    parseFails(rawMessage([...requestLines(), ': no name']), 'bad_header_line');
  });

  it('a header line starting with whitespace right after the start line', () => {
    const lines = requestLines();
    lines.splice(1, 0, ' X-Orphan: continuation of nothing');
    parseFails(rawMessage(lines), 'bad_header_line');
  });
});

describe('parseMessage rejects bad start lines', () => {
  it('SIP/7.0 with 505 (RFC 4475 badvers)', () => {
    const lines = requestLines();
    lines[0] = 'OPTIONS sip:t.watson@example.org SIP/7.0';
    parseFails(rawMessage(replaceHeader(lines, 'CSeq', 'CSeq: 1 OPTIONS')), 'bad_version', 505);
  });

  it('another version on a request line: 505 once the headers are read, with them and the version in partial', () => {
    const lines = requestLines();
    lines[0] = 'INVITE sip:7001@gw.example.com SIP/3.0';
    const r = parseMessage(rawMessage(lines));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'bad_version');
    assert.equal(r.error.status, 505);
    assert.equal(r.partial?.version, 'SIP/3.0');
    assert.equal(r.partial?.method, 'INVITE');
    assert.deepEqual(r.partial?.headers.map((h) => h.key), ['via', 'max-forwards', 'to', 'from', 'call-id', 'cseq', 'contact']);
  });

  it('SIP/2.0 in any case is no other version (RFC 3261 §7.1)', () => {
    const lines = requestLines();
    lines[0] = 'INVITE sip:7001@gw.example.com sip/2.0';
    assert.equal(parseMessage(rawMessage(lines)).ok, true);
  });

  it('a malformed version is a bad start line, not another version', () => {
    const lines = requestLines();
    lines[0] = 'INVITE sip:7001@gw.example.com SIP/3';
    parseFails(rawMessage(lines), 'bad_start_line');
  });

  it('a response of another version fails with 505 and no partial (responses are not answered)', () => {
    const r = parseMessage(rawMessage(['SIP/3.0 200 OK', ...requestLines().slice(1)]));
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.error.code, r.partial], ['bad_version', undefined]);
  });

  it('a status code above 699 or not three digits (RFC 4475 bigcode)', () => {
    const rest = requestLines().slice(1);
    parseFails(rawMessage(['SIP/2.0 4294967301 better not break the receiver', ...rest]), 'bad_status');
    parseFails(rawMessage(['SIP/2.0 700 Too High', ...rest]), 'bad_status');
    parseFails(rawMessage(['SIP/2.0 099 Too Low', ...rest]), 'bad_status');
    parseFails(rawMessage(['SIP/2.0 2OO OK', ...rest]), 'bad_status');
  });

  it('a Request-URI in angle brackets (RFC 4475 ltgtruri)', () => {
    parseFails(rawMessage(requestLines('INVITE', '<sip:7001@gw.example.com>')), 'bad_uri');
  });

  it('spaces inside the Request-URI (RFC 4475 lwsruri)', () => {
    parseFails(rawMessage(requestLines('INVITE', 'sip:7001@gw.example.com ;transport=udp')), 'bad_start_line');
    parseFails(rawMessage(requestLines('INVITE', 'sip:my user@gw.example.com')), 'bad_start_line');
  });

  it('double spaces or a trailing space in the request line (RFC 4475 lwsstart, trws)', () => {
    for (const start of [
      'INVITE  sip:7001@gw.example.com  SIP/2.0',
      'INVITE sip:7001@gw.example.com SIP/2.0 ',
      'INVITE\tsip:7001@gw.example.com SIP/2.0',
      ' INVITE sip:7001@gw.example.com SIP/2.0',
    ]) {
      const lines = requestLines();
      lines[0] = start;
      parseFails(rawMessage(lines), 'bad_start_line');
    }
  });

  it('URI headers in the Request-URI (RFC 4475 escruri)', () => {
    parseFails(rawMessage(requestLines('INVITE', 'sip:7001@gw.example.com?Route=%3Csip:example.com%3E')), 'bad_uri');
  });

  it('a start line that is neither request nor status', () => {
    const rest = requestLines().slice(1);
    parseFails(rawMessage(['HELLO', ...rest]), 'bad_start_line');
    parseFails(rawMessage(['SIP/2.0', ...rest]), 'bad_start_line');
    parseFails(rawMessage(['INVITE sip:a@b HTTP/1.1', ...rest]), 'bad_start_line');
  });
});

describe('parseMessage rejects missing, duplicate and mismatched headers', () => {
  for (const name of ['To', 'From', 'Call-ID', 'CSeq', 'Via']) {
    it(`a request without ${name} (RFC 4475 insuf, RFC 3261 §8.1.1)`, () => {
      parseFails(withHeader(name), 'missing_header');
    });
  }

  it('a CSeq method that differs from the request method (RFC 4475 mismatch01, mismatch02)', () => {
    parseFails(withHeader('CSeq', 'CSeq: 1 ACK'), 'cseq_mismatch');
    parseFails(withHeader('CSeq', 'CSeq: 1 invite'), 'cseq_mismatch');
  });

  for (const name of ['CSeq', 'Call-ID', 'To', 'From', 'Max-Forwards', 'Content-Type']) {
    it(`a duplicate ${name} (RFC 4475 multi01)`, () => {
      const line = requestLines().find((l) => l.startsWith(`${name}:`)) ?? `${name}: application/sdp`;
      parseFails(rawMessage([...requestLines(), line, line]), 'duplicate_header');
    });
  }

  it('a duplicate written once in compact form', () => {
    parseFails(rawMessage([...requestLines(), 'i: another@cc.example.com']), 'duplicate_header');
  });
});

describe('parseMessage checks Content-Length', () => {
  it('rejects a Content-Length larger than the datagram (RFC 4475 clerr)', () => {
    parseFails(rawMessage([...requestLines('MESSAGE'), 'Content-Length: 9999'], 'short'), 'body_truncated');
  });

  it('rejects a negative or non-numeric Content-Length (RFC 4475 ncl)', () => {
    parseFails(rawMessage([...requestLines('MESSAGE'), 'Content-Length: -999'], 'x'), 'bad_content_length');
    parseFails(rawMessage([...requestLines('MESSAGE'), 'Content-Length: five'], 'x'), 'bad_content_length');
  });

  it('rejects several Content-Length headers (RFC 4475 mcl01)', () => {
    parseFails(rawMessage([...requestLines('MESSAGE'), 'Content-Length: 1', 'l: 1'], 'x'), 'duplicate_header');
  });

  it('requires Content-Length on stream transports (RFC 3261 §18.3)', () => {
    parseFails(rawMessage(requestLines('OPTIONS')), 'bad_content_length', 400, { stream: true });
    parseRequest(rawMessage([...requestLines('OPTIONS'), 'Content-Length: 0']), { stream: true });
  });
});

describe('parseMessage enforces limits', () => {
  it('rejects a message above maxMessageBytes with 513 (RFC 3261 §18.1.1)', () => {
    const big = rawMessage([...requestLines('MESSAGE'), 'Content-Length: 70000'], 'x'.repeat(70000));
    parseFails(big, 'too_large', 513);
    const small = rawMessage([...requestLines('MESSAGE'), 'Content-Length: 10'], 'x'.repeat(10));
    parseFails(small, 'too_large', 513, { limits: { maxMessageBytes: 100 } });
  });

  it('rejects too many header lines', () => {
    const extra = Array.from({ length: 200 }, (_, i) => `X-H${i}: ${i}`);
    parseFails(rawMessage([...requestLines(), ...extra]), 'too_many_headers');
    parseFails(rawMessage([...requestLines(), 'X-A: 1', 'X-B: 2']), 'too_many_headers', 400, { limits: { maxHeaders: 8 } });
  });

  it('rejects a header line longer than maxLineLength, folded or not', () => {
    parseFails(rawMessage([...requestLines(), `X-Long: ${'a'.repeat(9000)}`]), 'line_too_long');
    const folded = Array.from({ length: 30 }, () => ` ${'b'.repeat(40)}`);
    parseFails(rawMessage([...requestLines(), 'X-Folded: a', ...folded]), 'line_too_long', 400, { limits: { maxLineLength: 1000 } });
  });

  it('rejects a message without the blank line that ends the headers', () => {
    parseFails(Buffer.from(requestLines().join('\r\n')), 'no_header_end');
    parseFails(Buffer.from(''), 'no_header_end');
    parseFails(Buffer.from('\r\n\r\n'), 'no_header_end');
  });

  it('rejects bare CR and NUL inside header lines', () => {
    parseFails(rawMessage([...requestLines(), 'X-Bad: a\rInjected: b']), 'bad_header_line');
    parseFails(rawMessage([...requestLines(), 'X-Bad: a\u0000b']), 'bad_header_line');
  });
});

describe('parseMessage failure results', () => {
  it('keeps what was read, so that a request can be answered 400 (RFC 3261 §8.2.6)', () => {
    const r = parseMessage(withHeader('CSeq', 'CSeq: 1 ACK'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.partial?.isRequest, true);
    assert.equal(r.partial?.method, 'INVITE');
    assert.ok(r.partial?.headers.some((h) => h.key === 'via'));
    assert.ok(r.partial?.headers.some((h) => h.key === 'call-id'));
  });

  it('has no partial message when the start line is unreadable', () => {
    const r = parseMessage(Buffer.from('garbage\r\n\r\n'));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.partial, undefined);
  });
});
