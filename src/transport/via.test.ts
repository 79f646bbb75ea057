import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage, parseVia, type AnyMessage } from '../sip/index.ts';
import { normalizeAddress } from './address.ts';
import { judgeBadStream } from './inbound.ts';
import type { Endpoint } from './types.ts';
import { responseTarget, setTopViaTransport, stampReceived } from './via.ts';

const src = (address: string, port = 40000, protocol: Endpoint['protocol'] = 'udp'): Endpoint => ({ protocol, address, port });

function msg(vias: string[]): AnyMessage {
  const text = ['OPTIONS sip:a@b SIP/2.0', ...vias.map((v) => `v: ${v}`), 'From: <sip:x@y>;tag=1', 'To: <sip:a@b>',
    'Call-ID: c', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok);
  return r.message;
}

test('normalizeAddress gives one spelling per address', () => {
  assert.equal(normalizeAddress('[0:0:0:0:0:0:0:1]'), '::1');
  assert.equal(normalizeAddress('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(normalizeAddress('::FFFF:a01:203'), '10.1.2.3');
  assert.equal(normalizeAddress('2001:DB8::1'), '2001:db8::1');
  assert.equal(normalizeAddress('Host.Example'), 'host.example');
  assert.equal(normalizeAddress('127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeAddress('[::1]'), '::1');
  assert.equal(normalizeAddress('fe80::1%eth0'), 'fe80::1%eth0');
});

test('stampReceived compares IPv6 sent-by and source canonically', () => {
  const m = msg(['SIP/2.0/UDP [0:0::1]:5060;branch=z9hG4bK1']);
  assert.equal(stampReceived(m, src('::1')), false);
  const n = msg(['SIP/2.0/UDP host.example;branch=z9hG4bK1']);
  assert.equal(stampReceived(n, src('2001:db8::5')), true);
  assert.equal(n.get('via'), 'SIP/2.0/UDP host.example;branch=z9hG4bK1;received=2001:db8::5');
});

test('stampReceived keeps an rport that already has a value', () => {
  const m = msg(['SIP/2.0/UDP 192.0.2.1;rport=7000;branch=z9hG4bK1']);
  stampReceived(m, src('198.51.100.1', 9999));
  assert.equal(m.via.params.get('rport'), '7000');
  assert.equal(m.via.params.get('received'), '198.51.100.1');
});

test('setTopViaTransport rewrites the token and keeps the branch and the other Vias', () => {
  const m = msg(['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtop,SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKnext']);
  setTopViaTransport(m, 'tcp');
  assert.deepEqual(m.vias.map((v) => `${v.transport} ${v.branch}`), ['TCP z9hG4bKtop', 'UDP z9hG4bKnext']);
});

test('responseTarget follows §18.2.2 and RFC 3581', () => {
  const t = (via: string, source: Endpoint): Endpoint => responseTarget(parseVia(via), source);
  assert.deepEqual(t('SIP/2.0/UDP 192.0.2.1;received=198.51.100.1;rport=7000', src('198.51.100.1', 7000)),
    { protocol: 'udp', address: '198.51.100.1', port: 7000 });
  assert.deepEqual(t('SIP/2.0/UDP 192.0.2.1:5080;received=198.51.100.1', src('198.51.100.1')),
    { protocol: 'udp', address: '198.51.100.1', port: 5080 });
  assert.deepEqual(t('SIP/2.0/UDP 192.0.2.1;maddr=239.255.255.1;ttl=1', src('192.0.2.1')),
    { protocol: 'udp', address: '192.0.2.1', port: 5060 });
  assert.deepEqual(t('SIP/2.0/UDP [2001:db8::1]', src('2001:db8::1')), { protocol: 'udp', address: '2001:db8::1', port: 5060 });
  assert.deepEqual(t('SIP/2.0/UDP pbx.example', src('192.0.2.9', 1234)), { protocol: 'udp', address: '192.0.2.9', port: 5060 });
  // Over TCP the port is the sent-by port, never rport (a new connection, §18.2.2).
  assert.deepEqual(t('SIP/2.0/TCP 192.0.2.1;received=198.51.100.1;rport=7000', src('198.51.100.1', 7000, 'tcp')),
    { protocol: 'tcp', address: '198.51.100.1', port: 5060 });
  assert.deepEqual(t('SIP/2.0/TLS 192.0.2.1', src('192.0.2.1', 7000, 'tls')), { protocol: 'tls', address: '192.0.2.1', port: 5061 });
});

test('judgeBadStream answers what it can read and drops what it cannot', () => {
  const head = 'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\n'
    + 'To: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n';
  const limits = { maxMessageBytes: 65535, maxHeaders: 128, maxLineLength: 8192 };
  const framing = judgeBadStream(Buffer.from(head), 'framing', 'no CL', src('192.0.2.1', 1, 'tcp'), limits);
  assert.equal(framing.kind, 'answer');
  if (framing.kind === 'answer') assert.deepEqual([framing.response.status, framing.drop.reason], [400, 'bad_content_length']);
  const noHead = judgeBadStream(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x'), 'too_large', 'big', src('192.0.2.1'), limits);
  assert.deepEqual([noHead.kind, noHead.kind === 'drop' && noHead.drop.reason], ['drop', 'too_large']);
});
