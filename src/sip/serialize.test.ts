/** Serialization (RFC 3261 §7): round trips and Content-Length. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipRequest, SipResponse } from './message.ts';
import { serialize } from './serialize.ts';
import { parseOk, rawMessage, requestLines } from './test-messages.ts';
import { parseUri } from './uri.ts';

describe('serialize', () => {
  it('writes the request line, headers in order as stored, the blank line and the body', () => {
    const m = new SipRequest('OPTIONS', parseUri('sip:gw.example.com'))
      .append('Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1')
      .append('i', 'x@y');
    assert.equal(serialize(m).toString(), 'OPTIONS sip:gw.example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\ni: x@y\r\nContent-Length: 0\r\n\r\n');
  });

  it('writes the status line, with an empty reason phrase when there is none', () => {
    assert.equal(serialize(new SipResponse(200, 'OK')).toString(), 'SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.match(serialize(new SipResponse(100, '')).toString(), /^SIP\/2\.0 100 \r\n/);
  });

  it('round-trips a parsed message to the same bytes once normalised', () => {
    const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n';
    const lines = [...requestLines(), 'Content-Type: application/sdp', `Content-Length: ${body.length}`];
    const original = rawMessage(lines, body);
    const once = serialize(parseOk(original));
    assert.equal(once.toString(), original.toString());
    assert.equal(serialize(parseOk(once)).toString(), once.toString());
  });

  it('keeps values and spelling through a round trip of an odd message', () => {
    const lines = [...requestLines(), 'x-ODD-name  :   spaced value  ', 'l: 0'];
    const out = serialize(parseOk(rawMessage(lines))).toString();
    assert.match(out, /\r\nx-ODD-name: spaced value\r\n/);
    assert.match(out, /\r\nl: 0\r\n\r\n$/);
  });

  it('rewrites a stale Content-Length to the body length, keeping its spelling and place', () => {
    const m = parseOk(rawMessage([...requestLines('MESSAGE'), 'content-length: 5', 'X-After: 1'], 'hello'));
    m.body = Buffer.from('hello, world');
    const out = serialize(m).toString();
    assert.match(out, /\r\ncontent-length: 12\r\nX-After: 1\r\n\r\nhello, world$/);
  });

  it('adds a Content-Length when there is none and writes only one', () => {
    const m = new SipRequest('MESSAGE', parseUri('sip:a@b.example.com'));
    m.headers.push({ name: 'Content-Length', key: 'content-length', value: '1' });
    m.headers.push({ name: 'l', key: 'content-length', value: '2' });
    m.body = Buffer.from('abc');
    const out = serialize(m).toString();
    assert.equal(out.match(/content-length|\r\nl:/gi)?.length, 1);
    assert.match(out, /Content-Length: 3\r\n\r\nabc$/);
    const fresh = serialize(new SipRequest('MESSAGE', parseUri('sip:a@b.example.com')).append('X', '1'));
    assert.match(fresh.toString(), /\r\nContent-Length: 0\r\n\r\n$/);
  });

  it('counts a UTF-8 body in bytes, not characters', () => {
    const m = new SipRequest('MESSAGE', parseUri('sip:a@b.example.com'));
    m.body = Buffer.from('héllo 電話 🙂', 'utf8');
    const out = serialize(m);
    assert.match(out.toString(), new RegExp(`Content-Length: ${m.body.length}\r\n`));
    assert.equal(m.body.length, 18); // 11 UTF-16 units
    assert.deepEqual(out.subarray(out.length - m.body.length), m.body);
  });

  it('writes UTF-8 header values and reason phrases as UTF-8', () => {
    const r = new SipResponse(200, 'Très bien').append('From', '"Zoë" <sip:z@example.com>;tag=1');
    const out = serialize(r);
    assert.ok(out.includes(Buffer.from('Très bien', 'utf8')));
    assert.ok(out.includes(Buffer.from('"Zoë"', 'utf8')));
  });

  it('keeps binary bodies byte for byte', () => {
    const m = new SipRequest('INFO', parseUri('sip:a@b.example.com'));
    m.body = Buffer.from([0, 255, 13, 10, 13, 10, 128]);
    const out = serialize(m);
    assert.deepEqual(out.subarray(out.length - 7), m.body);
  });
});
