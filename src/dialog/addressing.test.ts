/** How the UA names itself: Via and Contact for an endpoint (RFC 3261 §8.1.1.7, §18). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../transport/types.ts';
import { contactFor, viaFor } from './addressing.ts';

const udp4: Endpoint = { protocol: 'udp', address: '192.0.2.1', port: 5060 };
const tcp6: Endpoint = { protocol: 'tcp', address: '2001:db8::1', port: 5070 };

describe('viaFor and contactFor', () => {
  it('format each endpoint, also when endpoints alternate (the last one is remembered)', () => {
    for (let i = 0; i < 2; i++) {
      assert.equal(viaFor(udp4, 'z9hG4bKa'), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;rport');
      assert.equal(viaFor(tcp6, 'z9hG4bKb'), 'SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKb;rport');
      assert.equal(contactFor(udp4), '<sip:agentline@192.0.2.1:5060>');
      assert.equal(contactFor(udp4, 'ccsim'), '<sip:ccsim@192.0.2.1:5060>');
      assert.equal(contactFor(tcp6), '<sip:agentline@[2001:db8::1]:5070;transport=tcp>');
      assert.equal(contactFor({ ...udp4, port: 5080 }), '<sip:agentline@192.0.2.1:5080>');
      assert.equal(contactFor({ ...udp4, protocol: 'tcp' }), '<sip:agentline@192.0.2.1:5060;transport=tcp>');
    }
  });

  it('draws a new branch per Via', () => {
    assert.notEqual(viaFor(udp4), viaFor(udp4));
  });
});
