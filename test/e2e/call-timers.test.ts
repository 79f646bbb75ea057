/**
 * End to end, issue "call's life": a real gateway (SQLite in a temp dir, SIP on
 * 127.0.0.1 port 0, the demo agent) driven by a UAC on our SIP stack. Session timers
 * (RFC 4028: 422 with Min-SE, the 200's Session-Expires/Require, a refresh by UPDATE),
 * the maximum call duration (the agent's fallback outcome, ended_by timeout), and the
 * handoff record retried until the store takes it, before the BYE.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError, type HandoffRecord } from '../../src/store/index.ts';
import { demoTenantId, startTestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const SESSION_HEADER = 'X-five9sessionid';

/** A gateway with the demo agent and `limits`, and a UAC calling it. */
async function setup(limits: Record<string, number> = {}) {
  const gw = await startTestGateway('e2e-timers', { limits, demo: { enabled: true } });
  const uac = await TestUac.start(gw.sipPort);
  const close = async (): Promise<void> => {
    await uac.close();
    await gw.close();
  };
  return { gw, uac, tenantId: await demoTenantId(gw), close };
}

describe('session timers (RFC 4028)', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => { s = await setup(); });
  after(async () => { await s.close(); });

  test('Session-Expires below 90 s is refused 422 with Min-SE', async () => {
    const placed = await s.uac.call('7001', [['Supported', 'timer'], ['Session-Expires', '60']]);
    assert.equal(placed.response.status, 422);
    assert.equal(placed.response.get('Min-SE'), '90');
  });

  test('the caller refreshes: 200 with Session-Expires, Require: timer; its UPDATE gets the same', async () => {
    const placed = await s.uac.call('7001', [['Supported', 'timer'], ['Session-Expires', '120;refresher=uac']]);
    assert.equal(placed.response.status, 200);
    assert.equal(placed.response.get('Session-Expires'), '120;refresher=uac');
    assert.equal(placed.response.get('Require'), 'timer');
    assert.ok(placed.dialog);
    const refresh = placed.dialog.request('UPDATE', { headers: [['Session-Expires', '120;refresher=uac'], ['Supported', 'timer']] });
    const res = await within(refresh.final, 'UPDATE response');
    assert.equal(res.status, 200);
    assert.equal(res.get('Session-Expires'), '120;refresher=uac');
    assert.equal(res.body.length, 0, 'no SDP in the 200 to an UPDATE without an offer (RFC 3311 §5.2)');
    assert.match(res.get('Contact') ?? '', /^<sip:agentline@127\.0\.0\.1:\d+>$/, 'a 2xx to UPDATE carries a Contact');
    const reinvite = placed.dialog.request('INVITE', { headers: [['Session-Expires', '120;refresher=uac'], ['Supported', 'timer']] });
    const again = await within(reinvite.final, 're-INVITE response');
    assert.equal(again.status, 200);
    assert.ok(again.get('Contact'), 'a 2xx to re-INVITE carries a Contact');
    assert.match(again.body.toString(), /^v=0\r\n/, 'a re-INVITE without SDP gets our offer in its 200');
    placed.dialog.sendAck(reinvite.request.cseq.seq);
    await s.uac.pressDigit(placed.dialog, '3');
    assert.equal((await placed.bye()).get('X-contained'), 'true');
  });

  test('a caller without timer support: we are the refresher, no Require', async () => {
    const placed = await s.uac.call('7001');
    assert.equal(placed.response.get('Session-Expires'), '1800;refresher=uas');
    assert.equal(placed.response.get('Require'), undefined);
    assert.ok(placed.dialog);
    await s.uac.pressDigit(placed.dialog, '3');
    await placed.bye();
  });
});

describe('maximum call duration', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => { s = await setup({ maxCallDurationSec: 1 }); });
  after(async () => { await s.close(); });

  test("a silent call is ended at the limit with the agent's fallback outcome, ended_by timeout", async () => {
    const sid = randomUUID();
    const placed = await s.uac.call('7001', [[SESSION_HEADER, sid]]);
    assert.equal(placed.response.status, 200);
    const bye = await placed.bye();
    assert.equal(bye.get('X-contained'), 'false');
    assert.equal(bye.get('X-destination'), 'billing');
    const record = await s.gw.store.getHandoffBySharedId(s.tenantId, sid);
    assert.equal(record?.data['ended_by'], 'timeout');
    assert.equal(record?.data['destination_note'], 'max_duration');
  });
});

describe('the handoff record before the BYE, whatever the store does', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => { s = await setup(); });
  after(async () => { await s.close(); });

  test('two store failures: the record is retried and readable when the BYE arrives', async () => {
    const store = s.gw.store;
    const real = store.putHandoff.bind(store);
    let failures = 0;
    store.putHandoff = (r: HandoffRecord) => {
      if (failures < 2) {
        failures++;
        return Promise.reject(new StoreError('store_unavailable', 'injected failure'));
      }
      return real(r);
    };
    try {
      const sid = randomUUID();
      let atBye: Promise<HandoffRecord | undefined> | undefined;
      const placed = await s.uac.call('7001', [[SESSION_HEADER, sid]], () => {
        atBye = store.getHandoffBySharedId(s.tenantId, sid);
      });
      assert.ok(placed.dialog);
      await s.uac.pressDigit(placed.dialog, '1');
      const bye = await placed.bye();
      assert.equal(bye.get('X-destination'), 'billing');
      assert.equal(failures, 2);
      const record = await atBye;
      assert.equal(record?.data['destination'], 'billing');
    } finally {
      store.putHandoff = real;
    }
  });
});
