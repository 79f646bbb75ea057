/**
 * End to end, session timers (RFC 4028) on an emulated call: a real gateway with the
 * shortest session interval RFC 4028 allows (`limits.sessionExpiresSec: 90`) is the
 * refresher of an emulated Five9 call (whose INVITE does not offer to refresh), and
 * refreshes it by re-INVITE, or by UPDATE when the INVITE's Allow lists it. The emulator
 * answers every refresh 200 (SDP answer, Session-Expires and Require: timer echoed), and
 * the call goes on to its normal end: the caller presses 1, the agent hands off to
 * billing, the Query module reads the record.
 *
 * The gateway refreshes at half the interval, 45 s after the answer; the gateway's long
 * timers run 150 times faster here (test/support/time-warp.ts), so refreshes come every
 * 0.3 s and several fall within the 2 s before the caller presses 1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContactCenter, type CallReport, type CallVariables } from '../../src/ccsim/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { warpedClock } from '../support/time-warp.ts';
import { within } from '../support/wait.ts';

const API_KEY = 'alk_e2e-ccsim-timer-0123456789abcd';
const WARP = 150;
const ALLOW_UPDATE = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE';

describe('ccsim: the gateway refreshes the session during an emulated call (RFC 4028)', () => {
  let gw: TestGateway;
  let cc: ContactCenter;

  before(async () => {
    gw = await startTestGateway('ccsim-timer', { limits: { sessionExpiresSec: 90 }, demo: { enabled: true, apiKey: API_KEY } }, {
      clock: warpedClock(WARP),
    });
    cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: gw.sipPort } });
  });

  after(async () => {
    await cc?.close();
    await gw?.close();
  });

  /** One call pressing 1 at 2 s, with the Handoff API queried after the agent's BYE. */
  function callPressing1(variables: CallVariables): Promise<CallReport> {
    return within(cc.call({
      variables,
      script: { presses: [{ digits: '1', atMs: 2000 }], maxCallMs: 15_000 },
      query: { apiBase: `http://127.0.0.1:${gw.httpPort}`, apiKey: API_KEY, account: 'demo', project: 'demo', retries: 1, backoffMs: 10 },
    }), 'the emulated call', 20_000);
  }

  /** The call ended normally: the agent's handoff to billing, confirmed by the Handoff API. */
  function assertNormalEnd(report: CallReport): void {
    assert.equal(report.answer.status, 200);
    assert.equal(report.ended, 'agent');
    assert.deepEqual([report.variables['contained'], report.variables['destination']], ['false', 'billing']);
    assert.equal(report.query.branch, 'success', report.query.reason);
    assert.equal(report.decision.source, 'handoff_api');
    assert.equal(report.decision.skill, 'billing');
    assert.ok((report.media?.packetsReceived ?? 0) > 0, 'RTP from the gateway reached the caller');
    assert.deepEqual(report.issues, []);
  }

  test('refresh by re-INVITE: each answered 200 with our SDP and Session-Expires; the call runs to its handoff', async () => {
    const report = await callPressing1({ extension: '7001' });
    assertNormalEnd(report);
    assert.ok(report.sessionUpdates.length >= 1, 'the gateway refreshed during the call');
    for (const u of report.sessionUpdates) {
      assert.deepEqual([u.method, u.status, u.sdp, u.direction, u.sessionExpires], ['INVITE', 200, 'answer', 'sendrecv', '90;refresher=uac']);
    }
  });

  test('refresh by UPDATE when the INVITE allows it: 200 without SDP, Session-Expires echoed', async () => {
    const report = await callPressing1({ extension: '7001', headers: [['Allow', ALLOW_UPDATE]] });
    assertNormalEnd(report);
    assert.ok(report.sessionUpdates.length >= 1, 'the gateway refreshed during the call');
    for (const u of report.sessionUpdates) {
      assert.deepEqual([u.method, u.status, u.sdp, u.sessionExpires], ['UPDATE', 200, 'none', '90;refresher=uac']);
    }
  });
});
