/** The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError, type SipParseErrorCode } from './errors.ts';
import { BRANCH_COOKIE, parseVia } from './via.ts';

const fails = (value: string, code: SipParseErrorCode, status = 400): void => {
  assert.throws(() => parseVia(value), (e: unknown) => e instanceof SipParseError && e.code === code && e.status === status, value);
};

describe('parseVia', () => {
  it('reads protocol, transport, sent-by and parameters', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067');
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.example.com');
    assert.equal(v.port, 5066);
    assert.equal(v.branch, 'z9hG4bK776asdhds');
    assert.equal(v.params.get('received'), '192.0.2.1');
    assert.equal(v.params.get('rport'), '5067');
    assert.equal(v.isRfc3261, true);
  });

  it('reads rport as a flag when it has no value (RFC 3581 §3)', () => {
    const v = parseVia('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bKx');
    assert.equal(v.params.has('rport'), true);
    assert.equal(v.params.get('rport'), '');
    assert.equal(v.port, undefined);
  });

  it('reads an IPv6 sent-by and received (RFC 5118)', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9:1]:5061;received=[2001:db8::9:255];branch=z9hG4bKv6');
    assert.equal(v.host, '[2001:db8::9:1]');
    assert.equal(v.port, 5061);
    assert.equal(v.params.get('received'), '[2001:db8::9:255]');
    assert.equal(parseVia('SIP/2.0/UDP [::1]').host, '[::1]');
  });

  it('allows LWS around the slashes and parameters (RFC 4475 wsinv)', () => {
    const v = parseVia('  SIP  /  2.0  /  tcp   relay.example.com  ;  branch  =  z9hG4bK9ikj8  ');
    assert.equal(v.transport, 'TCP');
    assert.equal(v.host, 'relay.example.com');
    assert.equal(v.branch, 'z9hG4bK9ikj8');
    assert.equal(parseVia('SIP/2.0/ UDP h.example.com').transport, 'UDP');
    assert.equal(parseVia('SIP/2.0 /UDP h.example.com').transport, 'UDP');
    assert.equal(parseVia('sip/2.0/udp h.example.com').transport, 'UDP');
  });

  it('accepts the transports of RFC 4475 (transports)', () => {
    for (const t of ['UDP', 'TCP', 'TLS', 'SCTP', 'TLS-SCTP', 'WS', 'WSS', 'NEWTRANSPORT']) {
      assert.equal(parseVia(`SIP/2.0/${t} h.example.com;branch=z9hG4bK1`).transport, t);
    }
  });

  it('has no branch and is not RFC 3261 without the magic cookie (RFC 4475 badbranch)', () => {
    assert.equal(parseVia('SIP/2.0/UDP h.example.com').branch, undefined);
    assert.equal(parseVia('SIP/2.0/UDP h.example.com;branch=1234').isRfc3261, false);
    assert.equal(parseVia(`SIP/2.0/UDP h.example.com;branch=${BRANCH_COOKIE}`).isRfc3261, true);
  });

  it('gives sent-by lower-cased with the port, for transaction matching (RFC 3261 §17.2.3)', () => {
    assert.equal(parseVia('SIP/2.0/UDP Host.Example.COM:5060').sentBy, 'host.example.com:5060');
    assert.equal(parseVia('SIP/2.0/UDP Host.Example.COM').sentBy, 'host.example.com');
  });

  it('writes itself back and clones deeply', () => {
    const v = parseVia('SIP/2.0/UDP h.example.com:5060;branch=z9hG4bK1;rport');
    assert.equal(v.toString(), 'SIP/2.0/UDP h.example.com:5060;branch=z9hG4bK1;rport');
    const c = v.clone();
    c.params.set('received', '192.0.2.9');
    c.params.set('rport', '5999');
    assert.equal(v.toString(), 'SIP/2.0/UDP h.example.com:5060;branch=z9hG4bK1;rport');
    assert.equal(c.toString(), 'SIP/2.0/UDP h.example.com:5060;branch=z9hG4bK1;rport=5999;received=192.0.2.9');
  });
});

describe('parseVia: invalid', () => {
  it('answers another SIP version with 505 (RFC 3261 §8.2.2)', () => {
    fails('SIP/3.0/UDP h.example.com;branch=z9hG4bK1', 'bad_version', 505);
    fails('SIP/1.0/UDP h.example.com', 'bad_version', 505);
  });

  it('rejects another protocol or a missing part', () => {
    fails('HTTP/2.0/UDP h.example.com', 'bad_header_value');
    fails('SIP/2.0 h.example.com', 'bad_header_value');
    fails('SIP/2.0/ h.example.com', 'bad_header_value');
    fails('', 'bad_header_value');
  });

  it('rejects a missing or bad sent-by', () => {
    fails('SIP/2.0/UDP', 'bad_header_value');
    fails('SIP/2.0/UDP ;branch=z9hG4bK1', 'bad_header_value');
    fails('SIP/2.0/UDP h.example.com:99999', 'bad_header_value');
    fails('SIP/2.0/UDP [2001:db8::1', 'bad_header_value');
    fails('SIP/2.0/UDP bad_host.example.com', 'bad_header_value');
  });

  it('rejects empty parameters and trailing text (RFC 4475 badinv01)', () => {
    fails('SIP/2.0/UDP 192.0.2.15;;', 'bad_header_value');
    fails('SIP/2.0/UDP 192.0.2.15;branch=', 'bad_header_value');
    fails('SIP/2.0/UDP 192.0.2.15 junk', 'bad_header_value');
  });
});
