import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsGzip } from './gzip.ts';

test('Accept-Encoding: gzip is accepted unless q=0 (RFC 9110 §12.5.3)', () => {
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip('identity'), false);
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
  assert.equal(acceptsGzip('GZIP'), true);
  assert.equal(acceptsGzip('gzip;q=0'), false);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip('*;q=0'), false);
  assert.equal(acceptsGzip('*, gzip;q=0'), false);
  assert.equal(acceptsGzip(['br', 'gzip']), true);
});
