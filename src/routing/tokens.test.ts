import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_KEY_PREFIX, TOKEN_PREFIX, displayPrefix, generateApiKey, generateToken, hashApiKey, hashToken, safeEqual, verifySecret,
} from './tokens.ts';

describe('tokens', () => {
  it('generates url-safe, prefixed, distinct secrets', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken));
    assert.equal(tokens.size, 200);
    for (const t of tokens) assert.match(t, /^alt_[A-Za-z0-9_-]{32}$/);
    assert.match(generateApiKey(), /^alk_[A-Za-z0-9_-]{32}$/);
    assert.equal(TOKEN_PREFIX, 'alt_');
    assert.equal(API_KEY_PREFIX, 'alk_');
  });

  it('hashes with sha256 hex, deterministically', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashApiKey('abc'), hashToken('abc'));
    assert.notEqual(hashToken('abd'), hashToken('abc'));
  });

  it('compares in constant time and verifies against a stored hash', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
    const t = generateToken();
    assert.equal(verifySecret(t, hashToken(t)), true);
    assert.equal(verifySecret(`${t}x`, hashToken(t)), false);
  });

  it('shows the first 8 characters', () => {
    assert.equal(displayPrefix('alt_abcdefgh'), 'alt_abcd');
  });
});
