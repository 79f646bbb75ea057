/**
 * The Query module and the Handoff API's rate limit, against a real loopback HTTP server:
 * a 429 with `Retry-After` is retried after the wait it asks (capped), inside the one
 * retry budget; a 429 without it, and any other 4xx, are not retried. `Retry-After` in
 * both of its forms (RFC 9110 §10.2.3).
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, sendJson, type TestHttpServer } from '../../test/support/http-server.ts';
import { within } from '../../test/support/wait.ts';
import { parseRetryAfter, queryHandoff } from './query.ts';
import type { QueryOptions } from './types.ts';

const RECORD = { id: 'conv-1', shared_id: 'S1', data: { contained: false, destination: 'billing' } };
const RATE_LIMITED = { error: { code: 'rate_limited', message: 'slow down' } };

/** Options whose backoff would outlast the test: only a honoured Retry-After lets a retry happen in time. */
function options(base: string, extra: Partial<QueryOptions> = {}): QueryOptions {
  return { apiBase: base, apiKey: 'k', account: 'acct', project: 'proj', timeoutMs: 2000, retries: 2, backoffMs: 600_000, ...extra };
}

describe('Query module: 429 Too Many Requests', () => {
  const servers: TestHttpServer[] = [];
  const start = async (handler: Parameters<typeof serve>[0]): Promise<TestHttpServer> => {
    const s = await serve(handler);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  after(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  test('429 with Retry-After, then 200: retried after the wait it asked, capped; the record is the success branch', async () => {
    const s = await start((_req, res, n) => {
      if (n === 1) sendJson(res, 429, RATE_LIMITED, { 'retry-after': '3600' });
      else sendJson(res, 200, RECORD);
    });
    const q = await within(queryHandoff(options(s.base, { maxRetryAfterMs: 20 }), 'S1'), 'the query');
    assert.equal(q.branch, 'success', q.reason);
    assert.deepEqual(q.handoff, RECORD);
    assert.deepEqual(q.attempts.map((a) => [a.status, a.kind, a.retryAfterMs]), [[429, 'http_4xx', 20], [200, undefined, undefined]]);
    assert.match(q.reason, /200 OK after 2 attempts; retried after: 429 rate_limited/);
    assert.equal(s.requests.length, 2);
  });

  test('429 every time: each retry counts in the budget, then the error branch', async () => {
    const s = await start((_req, res) => sendJson(res, 429, RATE_LIMITED, { 'retry-after': '0' }));
    const q = await within(queryHandoff(options(s.base, { retries: 2 }), 'S1'), 'the query');
    assert.equal(q.branch, 'error');
    assert.equal(q.kind, 'http_4xx');
    assert.equal(q.errorCode, 'rate_limited');
    assert.equal(s.requests.length, 3, 'first attempt + 2 retries');
    assert.match(q.reason, /429 rate_limited; gave up after 3 attempts/);
  });

  test('429 without Retry-After, and 403 with one: not retried', async () => {
    const bare = await start((_req, res) => sendJson(res, 429, RATE_LIMITED));
    const q = await within(queryHandoff(options(bare.base), 'S1'), 'the query');
    assert.equal(bare.requests.length, 1);
    assert.match(q.reason, /not retried \(a 429 without Retry-After does not say when to come back\)/);
    const forbidden = await start((_req, res) => sendJson(res, 403, { error: { code: 'forbidden' } }, { 'retry-after': '0' }));
    const f = await within(queryHandoff(options(forbidden.base), 'S1'), 'the query');
    assert.equal(forbidden.requests.length, 1);
    assert.match(f.reason, /not retried \(a 4xx answer will not change on retry\)/);
  });
});

test('Retry-After: delay-seconds, an HTTP-date (a past one is 0), nothing readable', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:39 GMT', now), 2000);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter('-5', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
