/** The message model: header access, mutation and cached structured views (RFC 3261 §7.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.ts';
import { SipRequest, SipResponse, parseCSeq } from './message.ts';
import { serialize } from './serialize.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';

function request(): SipRequest {
  return new SipRequest('INVITE', parseUri('sip:7001@gw.example.com'))
    .append('Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2')
    .append('v', 'SIP/2.0/TCP c.example.com;branch=z9hG4bK3')
    .append('From', '"Caller, The" <sip:caller@cc.example.com>;tag=f1')
    .append('To', '<sip:7001@gw.example.com>')
    .append('i', 'call-1@cc.example.com')
    .append('CSeq', '1 INVITE')
    .append('Contact', '"Desk, Front" <sip:desk@cc.example.com>, <sip:mobile@cc.example.com;x=1>')
    .append('Date', 'Sat, 13 Nov 2010 23:29:00 GMT')
    .append('X-five9SessionID', 'S-42');
}

const missing = (e: unknown): boolean => e instanceof SipParseError && e.code === 'missing_header';

describe('SipMessage header lookup', () => {
  it('finds headers case-insensitively and by compact form', () => {
    const m = request();
    assert.equal(m.get('call-id'), 'call-1@cc.example.com');
    assert.equal(m.get('CALL-ID'), m.get('i'));
    assert.equal(m.get('x-FIVE9sessionid'), 'S-42');
    assert.deepEqual(m.getAll('v'), m.getAll('Via'));
    assert.equal(m.has('I'), true);
    assert.equal(m.has('Record-Route'), false);
    assert.equal(m.get('Record-Route'), undefined);
    assert.deepEqual(m.getAll('Record-Route'), []);
  });

  it('splits list headers across lines and commas, respecting quotes and brackets', () => {
    const m = request();
    assert.deepEqual(m.getAll('via'), [
      'SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
      'SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
      'SIP/2.0/TCP c.example.com;branch=z9hG4bK3',
    ]);
    assert.deepEqual(m.getAll('contact'), ['"Desk, Front" <sip:desk@cc.example.com>', '<sip:mobile@cc.example.com;x=1>']);
    assert.equal(m.get('via'), 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
  });

  it('does not split headers that are not lists', () => {
    const m = request();
    assert.equal(m.get('date'), 'Sat, 13 Nov 2010 23:29:00 GMT');
    assert.equal(m.get('from'), '"Caller, The" <sip:caller@cc.example.com>;tag=f1');
    assert.deepEqual(m.getAll('Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  });

  it('gives structured views of the common headers', () => {
    const m = request();
    assert.equal(m.vias.length, 3);
    assert.equal(m.via.host, 'a.example.com');
    assert.equal(m.from.displayName, 'Caller, The');
    assert.equal(m.from.tag, 'f1');
    assert.equal(m.to.tag, undefined);
    assert.equal(m.callId, 'call-1@cc.example.com');
    assert.deepEqual(m.cseq, { seq: 1, method: 'INVITE' });
    assert.deepEqual(m.contacts.map((c) => c.uri.user), ['desk', 'mobile']);
    assert.deepEqual(m.routes, []);
    assert.deepEqual(m.recordRoutes, []);
    assert.equal(m.contentType, undefined);
  });

  it('throws missing_header for absent required headers', () => {
    const m = new SipResponse(200, 'OK');
    assert.throws(() => m.via, missing);
    assert.throws(() => m.from, missing);
    assert.throws(() => m.to, missing);
    assert.throws(() => m.callId, missing);
    assert.throws(() => m.cseq, missing);
  });

  it('reads the media type of Content-Type in lower case without parameters', () => {
    const m = request().append('c', 'Application/SDP ; charset=utf-8');
    assert.equal(m.contentType, 'application/sdp');
  });
});

describe('SipMessage mutation', () => {
  it('set replaces every line at the first one\'s place, with the given spelling', () => {
    const m = request().set('VIA', 'SIP/2.0/UDP new.example.com;branch=z9hG4bKn');
    assert.equal(m.headers[0]?.name, 'VIA');
    assert.equal(m.getAll('via').length, 1);
    assert.equal(m.headers.filter((h) => h.key === 'via').length, 1);
  });

  it('set appends a new header and accepts numbers', () => {
    const m = request().set('Max-Forwards', 70);
    assert.equal(m.headers.at(-1)?.name, 'Max-Forwards');
    assert.equal(m.get('max-forwards'), '70');
  });

  it('append and prepend add lines at either end; remove drops every line', () => {
    const m = request().prepend('Via', 'SIP/2.0/UDP top.example.com;branch=z9hG4bKt').append('Route', '<sip:p.example.com;lr>');
    assert.equal(m.headers[0]?.value, 'SIP/2.0/UDP top.example.com;branch=z9hG4bKt');
    assert.equal(m.headers.at(-1)?.name, 'Route');
    m.remove('v');
    assert.equal(m.has('via'), false);
    assert.equal(m.headers.some((h) => h.name === 'v'), false);
  });

  it('keeps header name spelling on output', () => {
    const m = request().set('x-five9SessionID', 'S-43').append('X-CONTAINED', 'false');
    const text = serialize(m).toString();
    assert.match(text, /\r\nx-five9SessionID: S-43\r\n/);
    assert.match(text, /\r\nX-CONTAINED: false\r\n/);
    assert.match(text, /\r\ni: call-1@cc.example.com\r\n/);
  });

  it('invalidates cached views after set, append, prepend and remove', () => {
    const m = request();
    assert.equal(m.via.host, 'a.example.com');
    m.prepend('Via', 'SIP/2.0/UDP top.example.com;branch=z9hG4bKt');
    assert.equal(m.via.host, 'top.example.com');
    assert.equal(m.vias.length, 4);
    m.set('v', 'SIP/2.0/UDP only.example.com;branch=z9hG4bKo');
    assert.deepEqual(m.vias.map((v) => v.host), ['only.example.com']);
    assert.equal(m.to.tag, undefined);
    m.set('t', '<sip:7001@gw.example.com>;tag=t9');
    assert.equal(m.to.tag, 't9');
    assert.equal(m.cseq.seq, 1);
    m.set('CSeq', '2 INVITE');
    assert.equal(m.cseq.seq, 2);
    assert.equal(m.contacts.length, 2);
    m.append('m', '<sip:third@cc.example.com>');
    assert.equal(m.contacts.length, 3);
    m.remove('From');
    assert.throws(() => m.from, missing);
  });

  it('rejects CR, LF and NUL in values and bad names, which would split the header (header injection)', () => {
    const m = request();
    const bad = (e: unknown): boolean => e instanceof SipParseError && e.code === 'bad_header_value';
    assert.throws(() => m.set('X-Destination', 'billing\r\nX-Contained: true'), bad);
    assert.throws(() => m.append('X-A', 'a\nb'), bad);
    assert.throws(() => m.prepend('X-A', 'a\u0000b'), bad);
    assert.throws(() => m.append('X-A: b\r\nX-B', 'c'), bad);
    assert.throws(() => m.append('', 'c'), bad);
    assert.equal(m.has('x-destination'), false);
    assert.equal(m.has('x-a'), false);
  });
});

describe('SipMessage.setTopVia', () => {
  it('rewrites only the first element of the top line and keeps it as the parsed top Via', () => {
    const m = request();
    const top = m.via;
    top.params.set('received', '192.0.2.1');
    m.setTopVia(top);
    assert.equal(m.headers[0]?.value, 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1;received=192.0.2.1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2');
    assert.equal(m.via, top, 'not parsed again');
    assert.deepEqual(m.vias.map((v) => v.branch), ['z9hG4bK1', 'z9hG4bK2', 'z9hG4bK3']);
  });

  it('works before the Vias were ever read, and the views then parse the new text', () => {
    const m = request();
    m.setTopVia(parseVia('SIP/2.0/TCP z.example.com;branch=z9hG4bKz'));
    assert.deepEqual(m.vias.map((v) => v.host), ['z.example.com', 'b.example.com', 'c.example.com']);
  });

  it('throws missing_header without a Via, and refuses a line break', () => {
    assert.throws(() => new SipResponse(200, 'OK').setTopVia(parseVia('SIP/2.0/UDP a.example.com')), missing);
    const via = parseVia('SIP/2.0/UDP a.example.com');
    via.params.set('x', 'a\r\nInjected: 1');
    assert.throws(() => request().setTopVia(via), (e: unknown) => e instanceof SipParseError && e.code === 'bad_header_value');
  });
});

describe('parseCSeq', () => {
  it('reads number and method with LWS between (RFC 4475 wsinv)', () => {
    assert.deepEqual(parseCSeq('1 INVITE'), { seq: 1, method: 'INVITE' });
    assert.deepEqual(parseCSeq('  0009   INVITE '), { seq: 9, method: 'INVITE' });
    assert.deepEqual(parseCSeq(`${2 ** 31 - 1} ACK`), { seq: 2 ** 31 - 1, method: 'ACK' });
    assert.deepEqual(parseCSeq('0 BYE'), { seq: 0, method: 'BYE' });
  });

  it('rejects values out of range or malformed (RFC 4475 scalar02)', () => {
    for (const v of [`${2 ** 31} INVITE`, '99999999999 INVITE', 'INVITE', '1', '1 INVITE extra', '-1 INVITE', '1.5 INVITE', '']) {
      assert.throws(() => parseCSeq(v), (e: unknown) => e instanceof SipParseError && e.code === 'bad_header_value', v);
    }
  });
});
