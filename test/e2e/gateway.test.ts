/**
 * End to end, issue "call's life": a real gateway (SQLite in a temp dir, SIP on
 * 127.0.0.1 port 0, the demo flow agent) driven by a UAC on our SIP stack. Covers
 * routing by token and by extension, 403/404, the handoff by DTMF with the record
 * committed before the BYE, the contained BYE, the caller hanging up first, and draining.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandoffRecord } from '../../src/store/index.ts';
import { demoTenantId, startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const TOKEN = 'alt_e2e-demo-token-0123456789abcdef';
const SESSION_HEADER = 'X-five9sessionid';

describe('gateway: a call from INVITE to BYE', () => {
  let gw: TestGateway;
  let uac: TestUac;
  let tenantId: string;

  before(async () => {
    gw = await startTestGateway('e2e', { demo: { enabled: true, token: TOKEN } });
    uac = await TestUac.start(gw.sipPort);
    tenantId = await demoTenantId(gw);
  });

  after(async () => {
    await uac?.close();
    await gw?.close();
  });

  test('the demo agent is seeded and reachable by extension 7001', () => {
    assert.equal(gw.demo?.extension, '7001');
    assert.equal(gw.demo?.token, TOKEN);
  });

  test('by extension, pressing 1: the record is readable when the BYE says X-destination: billing', async () => {
    const sid = randomUUID();
    let atBye: Promise<HandoffRecord | undefined> | undefined;
    const placed = await uac.call('7001', [[SESSION_HEADER, sid], ['X-ANI', '5551234']], () => {
      atBye = gw.store.getHandoffBySharedId(tenantId, sid);
    });
    assert.equal(placed.response.status, 200);
    assert.ok(placed.dialog);
    assert.match(placed.response.body.toString(), /m=audio [1-9]\d* RTP\/AVP/);
    assert.equal(await uac.pressDigit(placed.dialog, '1'), 200);
    const bye = await placed.bye();
    assert.equal(bye.get('X-contained'), 'false');
    assert.equal(bye.get('X-destination'), 'billing');
    // Header names keep the configured spelling.
    assert.ok(bye.headers.some((h) => h.name === 'X-contained'));
    const record = await atBye;
    assert.ok(record, 'record readable at the moment of the BYE');
    assert.equal(record.sharedId, sid);
    assert.equal(record.data['contained'], false);
    assert.equal(record.data['destination'], 'billing');
    assert.equal(record.data['ended_by'], 'agent');
    assert.deepEqual(record.data['digits'], { choice: '1' }, 'the demo flow\'s collect variable');
  });

  test('by token, pressing 3: contained, and no X-destination', async () => {
    const sid = randomUUID();
    const placed = await uac.call('anything', [['X-PolyAi-Auth-Token', TOKEN], [SESSION_HEADER, sid]]);
    assert.equal(placed.response.status, 200);
    assert.ok(placed.dialog);
    await uac.pressDigit(placed.dialog, '3');
    const bye = await placed.bye();
    assert.equal(bye.get('X-contained'), 'true');
    assert.equal(bye.get('X-destination'), undefined);
    const record = await gw.store.getHandoffBySharedId(tenantId, sid);
    assert.equal(record?.data['contained'], true);
    assert.equal(record?.data['destination'], undefined);
  });

  test('an agent without a ring time answers 200 with no 180 before it (RFC 3261 §13.3.1)', async () => {
    const invite = uac.ring('7001');
    const provisional: number[] = [];
    invite.onProvisional = (res) => provisional.push(res.status);
    const { response, dialog } = await within(invite.result, 'final response');
    assert.equal(response.status, 200);
    assert.ok(dialog);
    assert.ok(!provisional.includes(180), `provisional responses: ${provisional.join(', ')}`);
    assert.equal(await within(dialog.bye(), 'BYE response').then((r) => r.status), 200);
  });

  test('an unknown token is refused 403, whatever the extension', async () => {
    const placed = await uac.call('7001', [['X-PolyAi-Auth-Token', 'alt_wrong']]);
    assert.equal(placed.response.status, 403);
    assert.equal(placed.dialog, undefined);
  });

  test('an unknown extension is refused 404', async () => {
    const placed = await uac.call('9999');
    assert.equal(placed.response.status, 404);
  });

  test('ringing: at the concurrency limit 486; CANCEL during the ring time gets 487', async () => {
    await gw.store.createAgent({
      tenantId, slug: 'ringer', name: 'Slow to answer', kind: 'builtin', extension: '7002', ringTimeMs: 60_000, maxConcurrentCalls: 1,
    });
    const first = uac.ring('7002');
    const ringing = new Promise<number>((resolve) => {
      first.onProvisional = (res) => { if (res.status === 180) resolve(res.status); };
    });
    assert.equal(await within(ringing, '180 Ringing'), 180);
    const second = await uac.call('7002');
    assert.equal(second.response.status, 486);
    first.cancel();
    const { response } = await within(first.result, 'final response after CANCEL');
    assert.equal(response.status, 487);
  });

  test('the caller hangs up first: the record is still written, ended_by caller', async () => {
    const sid = randomUUID();
    const written = new Promise<void>((resolve) => {
      const off = gw.store.onHandoff((e) => {
        if (e.sharedId !== sid) return;
        off();
        resolve();
      });
    });
    const placed = await uac.call('7001', [[SESSION_HEADER, sid]]);
    assert.ok(placed.dialog);
    const res = await within(placed.dialog.bye(), 'BYE response');
    assert.equal(res.status, 200);
    await within(written, 'the handoff record');
    const record = await gw.store.getHandoffBySharedId(tenantId, sid);
    assert.equal(record?.data['ended_by'], 'caller');
  });

  test('draining: new INVITEs get 503 with Retry-After', async () => {
    await gw.drain(0);
    const placed = await uac.call('7001');
    assert.equal(placed.response.status, 503);
    assert.equal(placed.response.get('Retry-After'), '5');
  });
});
