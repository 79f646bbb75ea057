/** Grammar helpers (RFC 3261 §25.1) and header-name knowledge (§7.3.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.ts';
import { isToken, parseParams, quote, skipQuoted, splitList, unquote } from './grammar.ts';
import { canonicalName, headerKey, isListHeader } from './headers.ts';

const badValue = (e: unknown): boolean => e instanceof SipParseError && e.code === 'bad_header_value';

describe('grammar helpers', () => {
  it('recognises tokens', () => {
    assert.equal(isToken('INVITE'), true);
    assert.equal(isToken("-.!%*_+`'~az09"), true);
    assert.equal(isToken(''), false);
    assert.equal(isToken('a b'), false);
    assert.equal(isToken('a/b'), false);
    assert.equal(isToken('é'), false);
  });

  it('quotes and unquotes with quoted-pairs', () => {
    assert.equal(quote('a "b" \\c'), '"a \\"b\\" \\\\c"');
    assert.equal(unquote(quote('a "b" \\c')), 'a "b" \\c');
    assert.equal(unquote('plain'), 'plain');
    assert.equal(skipQuoted('"a\\"b" rest', 0), 6);
    assert.equal(skipQuoted('"never closed', 0), -1);
  });

  it('splits lists on commas outside quotes and angle brackets, trimming elements', () => {
    assert.deepEqual(splitList(' a , b,c '), ['a', 'b', 'c']);
    assert.deepEqual(splitList('"x, y" <sip:a@b>, <sip:c@d;p=1,2>'), ['"x, y" <sip:a@b>', '<sip:c@d;p=1,2>']);
    assert.deepEqual(splitList('"a\\", b", c'), ['"a\\", b"', 'c']);
    assert.deepEqual(splitList('single'), ['single']);
  });

  it('rejects unbalanced quotes and brackets in a list', () => {
    assert.throws(() => splitList('"a, b'), badValue);
    assert.throws(() => splitList('<sip:a@b, c'), badValue);
  });

  it('parses header parameters with LWS, flags, quoted and IPv6 values', () => {
    const text = ' ; a = 1 ;flag; q="x;y, z" ;received=[2001:db8::1], next';
    const { params, end } = parseParams(text, 0);
    assert.deepEqual(params.list, [
      { name: 'a', value: '1' },
      { name: 'flag', value: undefined },
      { name: 'q', value: '"x;y, z"' },
      { name: 'received', value: '[2001:db8::1]' },
    ]);
    assert.equal(end, text.indexOf(', next'));
  });

  it('rejects empty names and values', () => {
    for (const s of [';', ';;a', ';=1', ';a=', ';a="open', ';a=[::1']) assert.throws(() => parseParams(s, 0), badValue, s);
  });

  it('Params: case-insensitive lookup, set in place, delete, clone', () => {
    const { params } = parseParams(';Tag=1;LR', 0);
    assert.equal(params.get('tag'), '1');
    assert.equal(params.get('lr'), '');
    assert.equal(params.get('none'), undefined);
    params.set('TAG', '2');
    params.set('new', undefined);
    assert.equal(params.toString(), ';Tag=2;LR;new');
    const copy = params.clone();
    params.delete('lr');
    assert.equal(params.toString(), ';Tag=2;new');
    assert.equal(copy.toString(), ';Tag=2;LR;new');
  });
});

describe('header names', () => {
  it('maps compact forms and case to one key', () => {
    assert.equal(headerKey('v'), 'via');
    assert.equal(headerKey('V'), 'via');
    assert.equal(headerKey('i'), 'call-id');
    assert.equal(headerKey('Call-ID'), 'call-id');
    assert.equal(headerKey('l'), 'content-length');
    assert.equal(headerKey('X-five9sessionid'), 'x-five9sessionid');
    assert.equal(headerKey('q'), 'q');
  });

  it('knows which headers are lists', () => {
    assert.equal(isListHeader('via'), true);
    assert.equal(isListHeader('contact'), true);
    assert.equal(isListHeader('date'), false);
    assert.equal(isListHeader('www-authenticate'), false);
  });

  it('gives canonical spellings', () => {
    assert.equal(canonicalName('call-id'), 'Call-ID');
    assert.equal(canonicalName('i'), 'Call-ID');
    assert.equal(canonicalName('cseq'), 'CSeq');
    assert.equal(canonicalName('x-five9sessionid'), 'X-Five9sessionid');
    assert.equal(canonicalName('v'), 'Via');
  });

  it('is not confused by names of Object.prototype', () => {
    assert.equal(canonicalName('constructor'), 'Constructor');
    assert.equal(canonicalName('toString'), 'Tostring');
    assert.equal(canonicalName('__proto__'), '__proto__');
    assert.equal(headerKey('constructor'), 'constructor');
  });
});
