/** SIP, SIPS, TEL and opaque URIs (RFC 3261 §19.1, RFC 3966). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.ts';
import { decodeEscapes, parseHostPort, parseUri } from './uri.ts';

const badUri = (text: string): void => {
  assert.throws(() => parseUri(text), (e: unknown) => e instanceof SipParseError && e.code === 'bad_uri', text);
};

describe('parseUri: sip and sips', () => {
  it('reads user, password, host, port, parameters and headers', () => {
    const u = parseUri('sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=hi&priority=urgent');
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'atlanta.example.com');
    assert.equal(u.port, 5061);
    assert.equal(u.params.get('transport'), 'tcp');
    assert.equal(u.params.get('lr'), '');
    assert.equal(u.params.has('LR'), true);
    assert.deepEqual(u.headers, [{ name: 'subject', value: 'hi' }, { name: 'priority', value: 'urgent' }]);
    assert.equal(u.isSip, true);
  });

  it('reads a host-only URI and lower-cases the scheme', () => {
    const u = parseUri('SIPS:Gw.Example.COM');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, undefined);
    assert.equal(u.host, 'Gw.Example.COM');
    assert.equal(u.port, undefined);
  });

  it('accepts IPv4 and bracketed IPv6 hosts', () => {
    assert.equal(parseUri('sip:192.0.2.1:5060').host, '192.0.2.1');
    const v6 = parseUri('sip:bob@[2001:db8::1]:5070;maddr=[2001:db8::2]');
    assert.equal(v6.host, '[2001:db8::1]');
    assert.equal(v6.hostAddress, '2001:db8::1');
    assert.equal(v6.port, 5070);
    assert.equal(v6.params.get('maddr'), '[2001:db8::2]');
    assert.equal(parseUri('sip:[::ffff:192.0.2.1]').hostAddress, '::ffff:192.0.2.1');
  });

  it('keeps escapes in the user part and decodes them on request', () => {
    const u = parseUri('sip:%61lice%20smith@example.com');
    assert.equal(u.user, '%61lice%20smith');
    assert.equal(u.userDecoded, 'alice smith');
  });

  it('ends the user part at the first "@" even when it holds ";" or "?" (RFC 4475 semiuri)', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com;p=1');
    assert.equal(u.user, 'user;par=u%40example.net');
    assert.equal(u.params.get('p'), '1');
  });

  it('accepts every paramchar in URI parameter values (RFC 3261 §25.1)', () => {
    const u = parseUri('sip:example.com;x-path=/a/b;x-paren=(1);x-misc=$a+b&c;x-br=[x]');
    assert.equal(u.params.get('x-path'), '/a/b');
    assert.equal(u.params.get('x-paren'), '(1)');
    assert.equal(u.params.get('x-misc'), '$a+b&c');
    assert.equal(u.params.get('x-br'), '[x]');
  });

  it('writes itself back as read', () => {
    for (const text of [
      'sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=hi&priority=urgent',
      'sips:[2001:db8::1]:5061',
      'sip:%61lice@example.com;user=phone',
      'sip:example.com;x-path=/a/b',
    ]) {
      assert.equal(parseUri(text).toString(), text);
    }
  });

  it('clones deeply', () => {
    const u = parseUri('sip:a@b.example.com;lr?h=1');
    const c = u.clone();
    c.params.set('lr', 'x');
    c.headers[0]!.value = '2';
    c.host = 'c.example.com';
    assert.equal(u.toString(), 'sip:a@b.example.com;lr?h=1');
    assert.equal(c.toString(), 'sip:a@c.example.com;lr=x?h=2');
  });
});

describe('parseUri: tel and other schemes', () => {
  it('reads a tel URI with parameters (RFC 3966)', () => {
    const u = parseUri('tel:+1-415-555-0123;phone-context=example.com');
    assert.equal(u.scheme, 'tel');
    assert.equal(u.user, '+1-415-555-0123');
    assert.equal(u.params.get('phone-context'), 'example.com');
    assert.equal(u.isSip, false);
    assert.equal(u.toString(), 'tel:+1-415-555-0123;phone-context=example.com');
  });

  it('keeps unknown schemes opaque (RFC 4475 unkscm)', () => {
    for (const text of ['name:John_Smith', 'http://example.com/a?b=c', 'urn:service:sos', 'soap.beep://192.0.2.1:3002']) {
      const u = parseUri(text);
      assert.equal(u.opaque, text.slice(text.indexOf(':') + 1));
      assert.equal(u.toString(), text);
    }
  });
});

describe('parseUri: invalid', () => {
  it('rejects what is not a URI', () => {
    for (const text of ['', 'nocolon', ':nothing', '1sip:a@b', 'name:']) badUri(text);
  });

  it('rejects whitespace, angle brackets and quotes (RFC 4475 ltgtruri, lwsruri)', () => {
    for (const text of ['<sip:a@b>', 'sip:a b@c', 'sip:a@b ;lr', 'sip:"a"@b', 'sip:a@b\t', 'sip:a@b;lr ', 'sip:a@b; lr',
      'sip:a@b;x=<y>', 'sip:a@b;x="q"', 'sip:a@b?h=<x>', 'sip:a\u0000@b', 'sip:a:p w@b', 'sip:a\u00a0@b', 'tel:+1 555',
      'sip:a@b?h=x y', 'urn:a b', 'sip:a@b;x\r=1']) badUri(text);
  });

  it('rejects an empty user, host or port, and bad ports', () => {
    for (const text of ['sip:@example.com', 'sip:a@', 'sip:', 'sip:a@b:', 'sip:a@b:65536', 'sip:a@b:5x', 'sip:a@b:123456']) {
      badUri(text);
    }
  });

  it('rejects bad host names and IPv6 references', () => {
    for (const text of ['sip:a@-b.example.com', 'sip:a@b_c.example.com', 'sip:a@[2001:db8::1', 'sip:a@[zz::1]', 'sip:a@[::1]x']) {
      badUri(text);
    }
  });

  it('rejects a long host name with a bad last character quickly (no regex backtracking)', () => {
    badUri(`sip:${'a'.repeat(5000)}_`);
    badUri(`sip:u@${'a1-'.repeat(3000)}!`);
  });

  it('checks every host, however many good ones came before (the recent-host cache)', () => {
    for (let i = 0; i < 3; i++) {
      for (const good of ['gw.example.com', '[2001:db8::1]', '192.0.2.1', 'a.b.c', 'x']) parseUri(`sip:u@${good}`);
      for (const bad of ['gw.example.com_', '', '[2001:db8::1', '192.0.2.1 ', '-x', 'x-']) badUri(`sip:u@${bad}`);
    }
  });

  it('rejects URI headers without "="', () => {
    badUri('sip:a@b?subject');
  });

  it('rejects a bad tel number', () => {
    badUri('tel:not-a-number');
  });
});

describe('parseHostPort and decodeEscapes', () => {
  it('splits host and port', () => {
    assert.deepEqual(parseHostPort('example.com'), { host: 'example.com', port: undefined });
    assert.deepEqual(parseHostPort('example.com.:0'), { host: 'example.com.', port: 0 });
    assert.deepEqual(parseHostPort('[::1]:65535'), { host: '[::1]', port: 65535 });
  });

  it('decodes UTF-8 escapes and leaves malformed ones', () => {
    assert.equal(decodeEscapes('caf%C3%A9'), 'café');
    assert.equal(decodeEscapes('100%'), '100%');
    assert.equal(decodeEscapes('%zz%41'), '%zzA');
    assert.equal(decodeEscapes('plain'), 'plain');
  });
});
