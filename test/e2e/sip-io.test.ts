/**
 * End to end, `sip.io`: the gateway's SIP UDP socket on the native addon (as `auto` picks
 * when the addon is built, which `npm install` does) and on node:dgram, each carrying a whole
 * call: INVITE, ACK, a DTMF INFO, the agent's BYE with its headers, and the record written.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/obs/index.ts';
import { demoTenantId, startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac } from './uac.ts';

for (const io of ['native', 'dgram'] as const) {
  describe(`gateway SIP over UDP with sip.io: ${io}`, () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    let gw: TestGateway;
    let uac: TestUac;

    before(async () => {
      gw = await startTestGateway(`sip-io-${io}`, { sip: { host: '127.0.0.1', port: 0, io }, demo: { enabled: true } }, {
        logger: createLogger({ level: 'info', destination: sink }),
      });
      uac = await TestUac.start(gw.sipPort);
    });

    after(async () => {
      await uac?.close();
      await gw?.close();
    });

    test('the socket is the one asked for, and a call goes from INVITE to the BYE with its record', async () => {
      const listening = lines.find((l) => l['msg'] === 'SIP listening');
      assert.equal(listening?.['io'], io);
      const sid = randomUUID();
      const placed = await uac.call('7001', [['X-five9sessionid', sid]]);
      assert.equal(placed.response.status, 200);
      assert.ok(placed.dialog);
      assert.equal(await uac.pressDigit(placed.dialog, '1'), 200);
      const bye = await placed.bye();
      assert.equal(bye.get('X-contained'), 'false');
      assert.equal(bye.get('X-destination'), 'billing');
      const record = await gw.store.getHandoffBySharedId(await demoTenantId(gw), sid);
      assert.equal(record?.data['destination'], 'billing');
    });
  });
}
