/**
 * The emulator's Query module against local HTTP servers that misbehave: connection
 * refused, too slow for the timeout, 500 then 200, 404, a 200 that is not a record. Each
 * time the module takes its documented branch, says why, and the Case step routes as
 * documented (API failed → BYE headers, else the record).
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, queryHandoff, type QueryOptions } from '../../src/ccsim/index.ts';
import { sendJson as json, serve, type TestHttpServer } from '../support/http-server.ts';

const RECORD = { id: 'conv-1', shared_id: 'S1', data: { contained: false, destination: 'billing', customer_id: 'c-42' } };
const BYE_VARS = { contained: 'false', destination: 'billing' };

function options(base: string, extra: Partial<QueryOptions> = {}): QueryOptions {
  return { apiBase: base, apiKey: 'k-secret', account: 'acct', project: 'proj', timeoutMs: 1000, retries: 2, backoffMs: 5, ...extra };
}

describe('ccsim Query module: faults', () => {
  const servers: TestHttpServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  after(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });

  test('connection refused: retried, then the error branch; the Case step routes on the BYE headers', async () => {
    const { base, stop } = await serve(() => {});
    await stop(); // nothing listens there any more
    const q = await queryHandoff(options(base), 'S1');
    assert.equal(q.branch, 'error');
    assert.equal(q.kind, 'connection');
    assert.equal(q.attempts.length, 3, 'first attempt + 2 retries');
    assert.match(q.reason, /connection refused \[ECONNREFUSED\]; gave up after 3 attempts/);
    const d = decide({ ended: 'agent', answerStatus: 200, variables: BYE_VARS, query: q });
    assert.deepEqual([d.action, d.skill, d.source], ['transfer', 'billing', 'bye_headers']);
    assert.match(d.reason, /Handoff API error: connection refused/);
  });

  test('slower than the timeout: retried, then the timeout branch; no BYE destination → default skill', async () => {
    const s = await serve(() => { /* never answers */ });
    servers.push(s);
    const q = await queryHandoff(options(s.base, { timeoutMs: 50, retries: 1 }), 'S1');
    assert.equal(q.branch, 'timeout');
    assert.equal(q.kind, 'timeout');
    assert.equal(q.attempts.length, 2);
    assert.equal(s.requests.length, 2, 'the server saw the retry');
    assert.match(q.reason, /no answer within 50 ms; gave up after 2 attempts/);
    const d = decide({ ended: 'agent', answerStatus: 200, variables: {}, query: q, routing: { defaultSkill: 'general' } });
    assert.deepEqual([d.action, d.skill, d.source], ['transfer', 'general', 'default']);
    assert.match(d.reason, /Handoff API timeout/);
  });

  test('500 then 200: the retry succeeds and the record decides', async () => {
    const s = await serve((_req, res, n) => {
      if (n === 1) json(res, 500, { error: { code: 'internal', message: 'boom' } });
      else json(res, 200, RECORD);
    });
    servers.push(s);
    const q = await queryHandoff(options(s.base), 'S1');
    assert.equal(q.branch, 'success');
    assert.equal(q.status, 200);
    assert.deepEqual(q.attempts.map((a) => a.status), [500, 200]);
    assert.equal(q.attempts[0]?.kind, 'http_5xx');
    assert.match(q.reason, /200 OK after 2 attempts; retried after: 500 internal/);
    assert.deepEqual(q.handoff, RECORD);
    const d = decide({ ended: 'agent', answerStatus: 200, variables: BYE_VARS, query: q, routing: { skills: { billing: 'Billing_Queue' } } });
    assert.deepEqual([d.action, d.skill, d.destination, d.source], ['transfer', 'Billing_Queue', 'billing', 'handoff_api']);
    assert.equal(d.data?.['customer_id'], 'c-42');
  });

  test('404: no retry, the error branch with the API code', async () => {
    const s = await serve((_req, res) => json(res, 404, { error: { code: 'not_found', message: 'no such record' } }));
    servers.push(s);
    const q = await queryHandoff(options(s.base), 'S1');
    assert.equal(q.branch, 'error');
    assert.equal(q.kind, 'http_4xx');
    assert.equal(q.status, 404);
    assert.equal(q.errorCode, 'not_found');
    assert.equal(s.requests.length, 1, '4xx is not retried');
    assert.match(q.reason, /404 not_found; not retried \(a 4xx answer will not change on retry\)/);
    const d = decide({ ended: 'agent', answerStatus: 200, variables: { contained: 'true' }, query: q });
    assert.deepEqual([d.action, d.source], ['end', 'bye_headers']);
  });

  test('the request: path, shared_id, wait and the x-api-key header (never in the URL)', async () => {
    const s = await serve((_req, res) => json(res, 200, RECORD));
    servers.push(s);
    const q = await queryHandoff(options(`${s.base}/`, { waitSec: 5 }), 'S 1/x');
    assert.equal(q.branch, 'success');
    const req = s.requests[0];
    assert.equal(req?.url, '/v1/acct/proj/handoff_state?shared_id=S%201%2Fx&wait=5');
    assert.equal(req?.headers['x-api-key'], 'k-secret');
    assert.doesNotMatch(q.url ?? '', /k-secret/);
  });

  test('a 200 that is not a record: error branch, invalid_response, not retried', async () => {
    const s = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
    servers.push(s);
    const q = await queryHandoff(options(s.base), 'S1');
    assert.equal(q.branch, 'error');
    assert.equal(q.kind, 'invalid_response');
    assert.equal(s.requests.length, 1);
  });

  test('503 every time: retried to the limit, error branch (http_5xx)', async () => {
    const s = await serve((_req, res) => json(res, 503, { error: { code: 'unavailable', message: 'down' } }));
    servers.push(s);
    const q = await queryHandoff(options(s.base, { retries: 3 }), 'S1');
    assert.equal(q.branch, 'error');
    assert.equal(q.kind, 'http_5xx');
    assert.equal(q.errorCode, 'unavailable');
    assert.equal(s.requests.length, 4);
    assert.match(q.reason, /gave up after 4 attempts/);
  });

  test('aborted during the backoff: stops at once', async () => {
    const s = await serve((_req, res) => json(res, 500, {}));
    servers.push(s);
    const abort = new AbortController();
    const pending = queryHandoff(options(s.base, { backoffMs: 60_000 }), 'S1', abort.signal);
    while (s.requests.length === 0) await new Promise((r) => setImmediate(r));
    abort.abort();
    const q = await pending;
    assert.equal(q.branch, 'error');
    assert.equal(q.attempts.length, 1);
  });
});
