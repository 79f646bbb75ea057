/** Transaction keys: what they match, and that a kept key does not keep its message's text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invite, newBranch, request } from '../../test/support/fake-transport.ts';
import { heapAfterGc } from '../../test/support/heap.ts';
import { clientKey, serverKey } from './keys.ts';

describe('transaction keys', () => {
  it('match a retransmission, keep ACK with its INVITE and CANCEL apart (§17.2.3)', () => {
    const branch = newBranch();
    const inv = invite({ branch, callId: 'k1@cc.example.com' });
    assert.equal(serverKey(invite({ branch, callId: 'k1@cc.example.com' })), serverKey(inv));
    assert.equal(serverKey(request('ACK', { branch, callId: 'k1@cc.example.com' })), serverKey(inv));
    assert.notEqual(serverKey(request('CANCEL', { branch, callId: 'k1@cc.example.com' })), serverKey(inv));
    assert.equal(serverKey(request('CANCEL', { branch, callId: 'k1@cc.example.com' }), 'INVITE'), serverKey(inv));
    assert.notEqual(serverKey(invite({ branch, callId: 'k2@cc.example.com' })), serverKey(inv), 'a reused branch on another call');
    assert.equal(clientKey(branch, 'BYE'), `${branch}|BYE`);
  });

  it('kept in a table, a server key does not keep the request\'s text alive (heap, 2,000 INVITEs of 1.2 KB)', () => {
    const pad = 'x'.repeat(1000);
    const table = new Map<string, number>();
    const n = 2000;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      const req = invite({ callId: `heap-${i}@cc.example.com`, headers: [`X-Pad: ${pad}`] });
      table.set(serverKey(req), i);
    }
    const perKey = (heapAfterGc() - before) / n;
    assert.equal(table.size, n);
    // Measured: about 0.2 KB a key; 1.9 KB when the key is a tree of slices of the request's text.
    assert.ok(perKey < 600, `${Math.round(perKey)} B a key`);
  });
});
