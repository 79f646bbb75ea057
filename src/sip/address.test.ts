/** name-addr and addr-spec values (RFC 3261 §20.10, §25.1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNameAddr } from './address.ts';
import { SipParseError } from './errors.ts';

const bad = (value: string, allowWildcard = false): void => {
  assert.throws(() => parseNameAddr(value, allowWildcard),
    (e: unknown) => e instanceof SipParseError && (e.code === 'bad_header_value' || e.code === 'bad_uri'), value);
};

describe('parseNameAddr: name-addr form', () => {
  it('reads a quoted display name, the URI and header parameters', () => {
    const a = parseNameAddr('"Alice Smith" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x=y');
    assert.equal(a.displayName, 'Alice Smith');
    assert.equal(a.uri.user, 'alice');
    assert.equal(a.uri.params.get('transport'), 'tcp');
    assert.equal(a.tag, '1928301774');
    assert.equal(a.params.get('x'), 'y');
    assert.equal(a.wildcard, false);
  });

  it('unescapes quoted-pairs and keeps inner spaces of a quoted name', () => {
    assert.equal(parseNameAddr('"a \\"b\\" \\\\ c  d" <sip:x@y.example.com>').displayName, 'a "b" \\ c  d');
    assert.equal(parseNameAddr('"" <sip:x@y.example.com>').displayName, '');
  });

  it('reads a token display name, collapsing LWS (RFC 4475 lwsdisp)', () => {
    assert.equal(parseNameAddr('Bob   the\tBuilder<sip:bob@example.com>').displayName, 'Bob the Builder');
    assert.equal(parseNameAddr('<sip:bob@example.com>').displayName, undefined);
  });

  it('keeps URI parameters inside the brackets apart from header parameters', () => {
    const a = parseNameAddr('<sip:bob@example.com;tag=inside>;tag=outside');
    assert.equal(a.uri.params.get('tag'), 'inside');
    assert.equal(a.tag, 'outside');
  });

  it('allows LWS around header parameters (RFC 4475 wsinv)', () => {
    const a = parseNameAddr('<sip:bob@example.com> ;  tag =  abc ; flag');
    assert.equal(a.tag, 'abc');
    assert.equal(a.params.has('flag'), true);
  });

  it('accepts URIs with "?", "," and ";" inside the brackets', () => {
    const a = parseNameAddr('<sip:bob@example.com;lr?Replaces=a%40b>');
    assert.equal(a.uri.headers[0]?.value, 'a%40b');
  });

  it('reads unknown schemes as opaque URIs (RFC 4475 unksm2)', () => {
    assert.equal(parseNameAddr('<http://example.com/x>').uri.scheme, 'http');
  });

  it('reads a quoted UTF-8 display name', () => {
    assert.equal(parseNameAddr('"Zoë 電話" <sip:z@example.com>').displayName, 'Zoë 電話');
  });
});

describe('parseNameAddr: addr-spec form', () => {
  it('ends the URI at the first ";": what follows are header parameters (RFC 3261 §20)', () => {
    const a = parseNameAddr('sip:bob@example.com;tag=abc;lr');
    assert.equal(a.uri.params.list.length, 0);
    assert.equal(a.tag, 'abc');
    assert.equal(a.params.has('lr'), true);
    assert.equal(a.displayName, undefined);
  });

  it('accepts surrounding whitespace', () => {
    assert.equal(parseNameAddr('  sip:bob@example.com  ').uri.host, 'example.com');
  });

  it('reads the Contact wildcard only where allowed (RFC 3261 §10.2.2)', () => {
    const w = parseNameAddr('*', true);
    assert.equal(w.wildcard, true);
    assert.equal(w.toString(), '*');
    bad('*');
  });
});

describe('parseNameAddr: invalid', () => {
  it('rejects whitespace inside the brackets (RFC 4475 badaspec)', () => {
    bad('< sip:bob@example.com>');
    bad('<sip:bob@example.com >');
    bad('<sip:bob @example.com>');
  });

  it('rejects an unquoted display name with a comma or other separators (RFC 4475 baddn)', () => {
    bad('Bell, Alexander <sip:bell@example.com>');
    bad('Bob@home <sip:bob@example.com>');
  });

  it('rejects unbalanced quotes and brackets (RFC 4475 quotbal)', () => {
    bad('"Bob <sip:bob@example.com>');
    bad('<sip:bob@example.com');
    bad('"Bob" sip:bob@example.com');
  });

  it('rejects "?" in an addr-spec (RFC 4475 regbadct)', () => {
    bad('sip:bob@example.com?Subject=x');
  });

  it('rejects trailing text and empty parameters', () => {
    bad('<sip:bob@example.com> junk');
    bad('<sip:bob@example.com>;;tag=1');
    bad('<sip:bob@example.com>;');
    bad('<>');
    bad('');
  });
});

describe('NameAddr output', () => {
  it('always writes name-addr form, quoting display names when needed', () => {
    assert.equal(parseNameAddr('sip:bob@example.com;tag=1').toString(), '<sip:bob@example.com>;tag=1');
    assert.equal(parseNameAddr('Bob <sip:bob@example.com>').toString(), 'Bob <sip:bob@example.com>');
    assert.equal(parseNameAddr('"Bob, Jr." <sip:bob@example.com>').toString(), '"Bob, Jr." <sip:bob@example.com>');
    assert.equal(parseNameAddr('"say \\"hi\\"" <sip:b@example.com>').toString(), '"say \\"hi\\"" <sip:b@example.com>');
  });

  it('quotes a display name whose spacing a token form would lose', () => {
    assert.equal(parseNameAddr('"a  b" <sip:b@example.com>').toString(), '"a  b" <sip:b@example.com>');
    assert.equal(parseNameAddr('" a" <sip:b@example.com>').toString(), '" a" <sip:b@example.com>');
    assert.equal(parseNameAddr('"a\tb" <sip:b@example.com>').toString(), '"a\tb" <sip:b@example.com>');
    assert.equal(parseNameAddr('"a b" <sip:b@example.com>').toString(), 'a b <sip:b@example.com>');
  });

  it('round-trips through parse', () => {
    for (const text of ['"A \\\\ B" <sip:a@b.example.com;lr>;tag=x', 'Bob <tel:+14155550123>;q=0.5', '"Zoë" <sip:z@[::1]:5060>']) {
      const once = parseNameAddr(text).toString();
      assert.equal(parseNameAddr(once).toString(), once);
    }
  });

  it('clones deeply', () => {
    const a = parseNameAddr('"A" <sip:a@b.example.com>;tag=1');
    const c = a.clone();
    c.params.set('tag', '2');
    c.uri.user = 'z';
    assert.equal(a.toString(), 'A <sip:a@b.example.com>;tag=1');
    assert.equal(c.toString(), 'A <sip:z@b.example.com>;tag=2');
  });
});
