import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMalformedQuery, parseQueryString, strictDecode } from './query.ts';

test('decodes percent escapes and plus as space', () => {
  const q = parseQueryString('shared_id=a%20b&id=c+d&wait=5');
  assert.deepEqual({ ...q }, { shared_id: 'a b', id: 'c d', wait: '5' });
  assert.equal(isMalformedQuery(q), false);
});

test('repeated keys become arrays; bare keys are empty strings', () => {
  const q = parseQueryString('id=1&id=2&id=3&flag');
  assert.deepEqual(q['id'], ['1', '2', '3']);
  assert.equal(q['flag'], '');
});

test('bad escapes and invalid UTF-8 mark the query malformed', () => {
  for (const text of ['a=%FF', 'a=%E2%82', 'a=%zz', '%C0%AF=1', 'a=%']) {
    assert.equal(isMalformedQuery(parseQueryString(text)), true, text);
  }
  assert.equal(strictDecode('%C3%A9'), 'é');
  assert.equal(strictDecode('%ED%A0%80'), undefined); // a lone surrogate is not UTF-8
});

test('nothing is inherited from Object.prototype: __proto__ is a plain key', () => {
  const q = parseQueryString('__proto__=x&constructor=y');
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(q)), null);
  assert.equal(parseQueryString('')['toString' as string], undefined);
  assert.equal(Object.hasOwn(q, '__proto__'), true);
  assert.equal(q['__proto__'], 'x');
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});
