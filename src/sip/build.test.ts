/** Responses built from requests (RFC 3261 §8.2.6) and identifiers (§8.1.1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNameAddr } from './address.ts';
import { addressWithTag, createResponse, newBranch, newCallId, newTag, randomToken, reasonPhrase } from './build.ts';
import { isToken } from './grammar.ts';
import { parseMessage } from './parser.ts';
import { parseRequest, rawMessage, replaceHeader, requestLines } from './test-messages.ts';

const invite = (): ReturnType<typeof parseRequest> => parseRequest(rawMessage(replaceHeader(
  [...requestLines(), 'Record-Route: <sip:p.example.com;lr>', 'Timestamp: 54.2', 'X-Five9SessionId: S1'],
  'Via',
  'Via: SIP/2.0/UDP p.example.com;branch=z9hG4bKp1',
  'v: SIP/2.0/UDP cc.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.9',
)));

describe('createResponse', () => {
  it('copies every Via in order, From, To, Call-ID and CSeq, and nothing else (§8.2.6.2)', () => {
    const req = invite();
    const res = createResponse(req, 486);
    assert.equal(res.status, 486);
    assert.equal(res.reason, 'Busy Here');
    assert.deepEqual(res.headers.map((h) => h.key), ['via', 'via', 'to', 'from', 'call-id', 'cseq']);
    assert.deepEqual(res.headers.map((h) => h.name), ['Via', 'v', 'To', 'From', 'Call-ID', 'CSeq']);
    assert.deepEqual(res.getAll('via'), req.getAll('via'));
    assert.equal(res.get('from'), req.get('from'));
    assert.equal(res.callId, req.callId);
    assert.deepEqual(res.cseq, req.cseq);
  });

  it('shares the request\'s header lines, which the response\'s mutators replace rather than change', () => {
    const req = invite();
    const res = createResponse(req, 486);
    assert.equal(res.headers[0], req.headers.find((h) => h.key === 'via'));
    res.set('Call-ID', 'other');
    res.setTopVia(res.via);
    res.remove('From');
    assert.equal(req.callId, 'a84b4c76e66710@cc.example.com');
    assert.equal(req.get('from'), '"Caller" <sip:caller@cc.example.com>;tag=1928301774');
    assert.deepEqual(req.vias.map((v) => v.host), ['p.example.com', 'cc.example.com']);
  });

  it('adds the To tag when given', () => {
    const res = createResponse(invite(), 200, undefined, 'as83kd9bs');
    assert.equal(res.to.tag, 'as83kd9bs');
    assert.equal(res.get('to'), '<sip:7001@gw.example.com>;tag=as83kd9bs');
  });

  it('never adds a To tag to 100 Trying, and copies Timestamp into it (§8.2.6.1)', () => {
    const res = createResponse(invite(), 100, undefined, 'as83kd9bs');
    assert.equal(res.to.tag, undefined);
    assert.equal(res.get('timestamp'), '54.2');
    assert.equal(createResponse(invite(), 180, undefined, 'x').has('timestamp'), false);
  });

  it('keeps the tag of an in-dialog request (§12.2.2)', () => {
    const req = parseRequest(rawMessage(replaceHeader(requestLines('BYE'), 'To', 'To: <sip:7001@gw.example.com>;tag=mine')));
    assert.equal(createResponse(req, 200, undefined, 'other').to.tag, 'mine');
  });

  it('adds a tag when only the URI inside the brackets has a tag parameter', () => {
    const req = parseRequest(rawMessage(replaceHeader(requestLines(), 'To', 'To: "x;tag=no" <sip:7001@gw.example.com;tag=uri>')));
    const res = createResponse(req, 200, undefined, 'real');
    assert.equal(res.to.tag, 'real');
    assert.equal(res.to.uri.params.get('tag'), 'uri');
  });

  it('adds a tag to an addr-spec To', () => {
    const req = parseRequest(rawMessage(replaceHeader(requestLines(), 'To', 'To: sip:7001@gw.example.com')));
    assert.equal(createResponse(req, 404, undefined, 't1').to.tag, 't1');
  });

  it('uses the given reason, or none for an unknown status', () => {
    assert.equal(createResponse(invite(), 503, 'Draining').reason, 'Draining');
    assert.equal(createResponse(invite(), 499).reason, '');
  });

  it('answers a request that failed to parse from its partial headers (§8.2.6)', () => {
    const r = parseMessage(rawMessage(replaceHeader(requestLines(), 'Max-Forwards', 'Max-Forwards: 999')));
    assert.equal(r.ok, false);
    if (r.ok || !r.partial) return assert.fail('expected a partial message');
    const res = createResponse(r.partial, 400, r.error.reason);
    assert.equal(res.status, 400);
    assert.equal(res.callId, 'a84b4c76e66710@cc.example.com');
    assert.equal(res.via.branch, 'z9hG4bK776asdhds');
  });

  it('copies header lines, so the response can change them without touching the request', () => {
    const req = invite();
    const res = createResponse(req, 200, undefined, 't');
    res.set('CSeq', '99 INVITE');
    assert.equal(req.get('cseq'), '314159 INVITE');
  });
});

describe('identifiers', () => {
  it('makes tokens of the expected kind', () => {
    for (let i = 0; i < 50; i++) {
      assert.ok(isToken(randomToken()));
      assert.ok(isToken(newTag()));
      assert.ok(newBranch().startsWith('z9hG4bK'));
      assert.ok(isToken(newBranch()));
    }
    assert.equal(Buffer.from(randomToken(12), 'base64url').length, 12);
    assert.notEqual(newTag(), newTag());
    assert.match(newCallId('gw.example.com'), /^[A-Za-z0-9_-]+@gw\.example\.com$/);
    assert.match(newCallId(), /^[A-Za-z0-9_-]{20,}$/);
  });

  it('addressWithTag sets or replaces the tag on a copy', () => {
    const a = parseNameAddr('"B" <sip:b@example.com>;tag=old');
    assert.equal(addressWithTag(a, 'new'), 'B <sip:b@example.com>;tag=new');
    assert.equal(a.tag, 'old');
    assert.equal(addressWithTag(parseNameAddr('sip:b@example.com'), 't'), '<sip:b@example.com>;tag=t');
  });

  it('reasonPhrase removes control characters and bounds the length', () => {
    assert.equal(reasonPhrase('Bad\r\nInjected: x'), 'Bad Injected: x');
    assert.equal(reasonPhrase('a\u0000b\u007fc'), 'a b c');
    assert.equal(reasonPhrase('x'.repeat(500)).length, 120);
  });
});
