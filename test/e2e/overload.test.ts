/**
 * End to end, load shedding (ARCHITECTURE.md "SIP, inbound": 503 with Retry-After while
 * overloaded). A gateway with `limits.maxCalls: 2` gets three INVITEs at once: two are
 * answered, the third is refused 503 with the configured Retry-After and no dialog. When a
 * call ends, capacity comes back.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { until, within } from '../support/wait.ts';
import { TestUac, type PlacedCall } from './uac.ts';

describe('overload: limits.maxCalls', () => {
  let gw: TestGateway;
  let uac: TestUac;

  before(async () => {
    gw = await startTestGateway('overload', { limits: { maxCalls: 2, overloadRetryAfterSec: 7 }, demo: { enabled: true } }, { rtpPorts: 100 });
    uac = await TestUac.start(gw.sipPort);
  });

  after(async () => {
    await uac?.close();
    await gw?.close();
  });

  test('three concurrent calls: two answered, the third gets 503 with Retry-After; capacity returns', async () => {
    const sids = [randomUUID(), randomUUID(), randomUUID()];
    const placed = await Promise.all(sids.map((sid) => uac.call('7001', [['X-five9sessionid', sid]])));
    const answered = placed.filter((p) => p.response.status === 200);
    const refused = placed.filter((p) => p.response.status !== 200);
    assert.equal(answered.length, 2);
    assert.equal(refused.length, 1);
    const [shed] = refused as [PlacedCall];
    assert.equal(shed.response.status, 503);
    assert.equal(shed.response.get('Retry-After'), '7');
    assert.equal(shed.dialog, undefined);
    assert.equal(gw.calls.count, 2);

    // One caller hangs up: once its call is gone, a new call is taken again.
    const [done, stay] = answered as [PlacedCall, PlacedCall];
    assert.ok(done.dialog && stay.dialog);
    assert.equal((await within(done.dialog.bye(), 'BYE response')).status, 200);
    await until(() => gw.calls.count < 2, 'the ended call to leave the registry');
    const again = await uac.call('7001', [['X-five9sessionid', randomUUID()]]);
    assert.equal(again.response.status, 200);
    for (const p of [stay, again]) if (p.dialog) await within(p.dialog.bye(), 'BYE response');
  });
});
