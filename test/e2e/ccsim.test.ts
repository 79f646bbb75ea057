/**
 * End to end, issue "The contact-center emulator": a real gateway (SQLite in a temp dir,
 * SIP on 127.0.0.1 port 0, the demo agent) called by the emulator as a Five9 trunk
 * would: INVITE by extension with the session id and ANI, the caller presses 1, the
 * agent's BYE headers become the variables contained=false destination=billing, then
 * the Query module and the Case step. When the gateway serves the Handoff API
 * (`httpPort`), the decision comes from the API's record; until then the emulator must
 * take its documented "API failed → BYE headers" branch.
 */
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContactCenter, type CallOptions, type CallReport } from '../../src/ccsim/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { within } from '../support/wait.ts';

const API_KEY = 'alk_e2e-ccsim-key-0123456789abcdef';

/** A loopback port with nothing listening (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('ccsim: one emulated Five9 call against a real gateway', () => {
  let gw: TestGateway;
  let cc: ContactCenter;

  before(async () => {
    gw = await startTestGateway('ccsim', { demo: { enabled: true, apiKey: API_KEY } });
    cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: gw.sipPort } });
  });

  after(async () => {
    await cc?.close();
    await gw?.close();
  });

  async function callPressing(digit: string): Promise<CallReport> {
    const apiBase = gw.httpPort === undefined ? `http://127.0.0.1:${await closedPort()}` : `http://127.0.0.1:${gw.httpPort}`;
    const options: CallOptions = {
      variables: { extension: '7001', ani: '5551234', dnis: '8005550100', headers: [['X-Five9-Campaign', 'inbound-demo']] },
      script: { presses: [{ digits: digit, atMs: 200 }], maxCallMs: 10_000 },
      query: { apiBase, apiKey: API_KEY, account: 'demo', project: 'demo', timeoutMs: 2000, retries: 1, backoffMs: 10 },
      routing: { defaultSkill: 'general' },
    };
    return within(cc.call(options), 'the emulated call', 15_000);
  }

  test('pressing 1: BYE headers → contained=false destination=billing, then the routing decision', async () => {
    const report = await callPressing('1');
    assert.equal(report.answer.status, 200);
    assert.equal(report.ended, 'agent');
    assert.match(report.sessionId, /^[0-9A-F]{32}$/);
    assert.deepEqual(report.invite.headers.map(([name]) => name), ['X-five9sessionid', 'X-ANI', 'X-DNIS', 'X-Five9-Campaign']);
    assert.equal(report.variables['contained'], 'false');
    assert.equal(report.variables['destination'], 'billing');
    assert.ok(report.bye?.headers.some(([name, value]) => name === 'X-contained' && value === 'false'));
    assert.deepEqual(report.media?.dtmf.map((d) => [d.digits, d.mode]), [['1', 'rfc4733']]);
    assert.ok((report.media?.packetsReceived ?? 0) > 0, 'RTP from the gateway reached the caller');
    assert.deepEqual(report.issues, []);
    if (gw.httpPort === undefined) {
      // Documented branch: the Query module failed, the BYE headers are all there is.
      assert.equal(report.query.branch, 'error');
      assert.equal(report.query.kind, 'connection');
      assert.equal(report.query.attempts.length, 2, 'connection errors are retried');
      assert.equal(report.decision.source, 'bye_headers');
      assert.equal(report.decision.action, 'transfer');
      assert.equal(report.decision.skill, 'billing');
      assert.match(report.decision.reason, /connection refused/);
    } else {
      assert.equal(report.query.branch, 'success', report.query.reason);
      assert.equal(report.query.handoff?.shared_id, report.sessionId);
      assert.equal(report.query.handoff?.data['contained'], false);
      assert.equal(report.query.handoff?.data['destination'], 'billing');
      assert.equal(report.decision.source, 'handoff_api');
      assert.equal(report.decision.action, 'transfer');
      assert.equal(report.decision.skill, 'billing');
      assert.deepEqual(report.decision.data, report.query.handoff?.data, 'the decision carries the handoff data');
      assert.match(report.decision.reason, /BYE headers agree/);
    }
  });

  test('pressing 3 by SIP INFO: contained, the call ends', async () => {
    const report = await within(cc.call({
      variables: { extension: '7001' },
      script: { presses: [{ digits: '3', atMs: 100 }], dtmfMode: 'info', maxCallMs: 10_000 },
      routing: { defaultSkill: 'general' },
    }), 'the emulated call', 15_000);
    assert.equal(report.ended, 'agent');
    assert.equal(report.variables['contained'], 'true');
    assert.equal(report.variables['destination'], undefined);
    assert.deepEqual(report.media?.dtmf.map((d) => [d.digits, d.mode, d.status]), [['3', 'info', 200]]);
    assert.equal(report.query.branch, 'skipped');
    assert.equal(report.decision.action, 'end');
    assert.equal(report.decision.source, 'bye_headers');
  });

  test('an unknown extension: 404, the script takes its default skill', async () => {
    const report = await within(cc.call({ variables: { extension: '9999' }, routing: { defaultSkill: 'general' } }), 'the emulated call');
    assert.equal(report.answer.status, 404);
    assert.equal(report.ended, 'not_answered');
    assert.equal(report.decision.action, 'transfer');
    assert.equal(report.decision.skill, 'general');
    assert.equal(report.decision.source, 'default');
  });

  test('over TCP, pressing 2: transfer to support', async () => {
    const tcp = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: gw.sipPort, protocol: 'tcp' } });
    try {
      const report = await within(tcp.call({ variables: { extension: '7001' }, script: { presses: [{ digits: '2', atMs: 100 }], maxCallMs: 10_000 } }), 'the emulated call');
      assert.match(report.invite.uri, /;transport=tcp$/);
      assert.equal(report.ended, 'agent');
      assert.equal(report.decision.skill, 'support');
    } finally {
      await tcp.close();
    }
  });

  test('the caller hangs up first: the call ends on the caller side', async () => {
    const report = await within(cc.call({ variables: { extension: '7001' }, script: { hangupAfterMs: 100 } }), 'the emulated call');
    assert.equal(report.answer.status, 200);
    assert.equal(report.ended, 'caller');
    assert.equal(report.bye, undefined);
    assert.equal(report.decision.action, 'end');
    assert.equal(report.decision.source, 'caller');
    assert.deepEqual(report.issues, []);
  });
});
