import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Acl, AclError, parseAddress, parseCidr } from './acl.ts';

describe('acl', () => {
  it('matches IPv4 CIDRs, bare addresses and /0', () => {
    const acl = new Acl(['10.0.0.0/8', '192.168.1.7', '172.16.5.0/24']);
    assert.equal(acl.matches('10.255.0.1'), true);
    assert.equal(acl.matches('11.0.0.1'), false);
    assert.equal(acl.matches('192.168.1.7'), true);
    assert.equal(acl.matches('192.168.1.8'), false);
    assert.equal(acl.matches('172.16.5.255'), true);
    assert.equal(acl.matches('172.16.6.0'), false);
    assert.equal(new Acl(['0.0.0.0/0']).matches('203.0.113.9'), true);
    assert.equal(new Acl(['127.0.0.1/32']).matches('127.0.0.2'), false);
  });

  it('matches IPv6 CIDRs, /128 and ::/0', () => {
    const acl = new Acl(['2001:db8:1::/48', '::1/128']);
    assert.equal(acl.matches('2001:db8:1:ffff::5'), true);
    assert.equal(acl.matches('2001:db8:2::5'), false);
    assert.equal(acl.matches('::1'), true);
    assert.equal(acl.matches('::2'), false);
    assert.equal(acl.matches('[::1]'), true);
    assert.equal(acl.matches('fe80::1%eth0'), false);
    assert.equal(new Acl(['fe80::/10']).matches('fe80::1%eth0'), true);
    assert.equal(new Acl(['::/0']).matches('2001:db8::1'), true);
  });

  it('treats IPv4-mapped IPv6 as IPv4, and keeps the families apart otherwise', () => {
    const v4 = new Acl(['10.0.0.0/8']);
    assert.equal(v4.matches('::ffff:10.1.2.3'), true);
    assert.equal(v4.matches('::ffff:a01:203'), true);
    assert.equal(v4.matches('::ffff:11.1.2.3'), false);
    assert.equal(v4.matches('2001:db8::1'), false);
    assert.equal(new Acl(['0.0.0.0/0']).matches('2001:db8::1'), false);
    assert.equal(new Acl(['::ffff:0:0/96']).matches('8.8.8.8'), true);
    assert.equal(new Acl(['::/0']).matches('8.8.8.8'), true, 'documented: ::/0 matches everything');
  });

  it('ignores host bits in the network and rejects non-addresses', () => {
    assert.equal(new Acl(['10.1.2.3/8']).matches('10.9.9.9'), true);
    assert.equal(new Acl(['10.0.0.0/8']).matches('not-an-ip'), false);
    assert.equal(new Acl(['10.0.0.0/8']).matches(''), false);
    assert.equal(new Acl([]).matches('10.0.0.1'), false);
  });

  it('names an invalid CIDR in a typed error', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '300.1.1.1/8', 'abc', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', '', '1.2.3.4/08x', 'fe80::1%eth0/64']) {
      assert.throws(() => new Acl(['127.0.0.1', bad]), (err: unknown) => {
        assert.ok(err instanceof AclError);
        assert.equal(err.code, 'acl_invalid_cidr');
        assert.equal(err.cidr, bad);
        assert.ok(err.message.includes(`"${bad}"`));
        return true;
      }, bad);
    }
  });

  it('parses prefixes into the 128-bit space', () => {
    assert.equal(parseCidr('10.0.0.0/8').prefix, 104);
    assert.equal(parseCidr('10.0.0.1').prefix, 128);
    assert.equal(parseCidr('2001:db8::/32').prefix, 32);
    assert.deepEqual(parseAddress('1.2.3.4'), [0, 0, 0xffff, 0x01020304]);
    assert.deepEqual(parseAddress('2001:db8::8:800:200c:417a'), [0x20010db8, 0, 0x00080800, 0x200c417a]);
  });

  it('agrees with a BigInt reference on random IPv4 CIDRs', () => {
    const toInt = (a: number[]): bigint => a.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 32 }),
      (net, addr, bits) => {
        const mask = bits === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - bits)) - 1n);
        const expected = (toInt(net) & mask) === (toInt(addr) & mask);
        return new Acl([`${net.join('.')}/${bits}`]).matches(addr.join('.')) === expected;
      },
    ));
  });

  it('parses compressed and full IPv6 forms alike', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
      (groups) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const compressed = new URL(`http://[${full}]/`).hostname.slice(1, -1);
        assert.deepEqual(parseAddress(compressed), parseAddress(full));
        const words = parseAddress(full);
        assert.ok(words);
        assert.deepEqual(words, [0, 1, 2, 3].map((i) => ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0));
      },
    ));
  });
});
