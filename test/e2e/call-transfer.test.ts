/**
 * End to end, transfer by REFER (RFC 3515) on a trunk with `transfer: refer`: the record
 * is written before the REFER; `Refer-To` comes from the trunk template and the
 * destination, `User-to-User` (RFC 7433) carries the conversation id; the outcome follows
 * the NOTIFY sipfrag: 200 → a plain BYE and CDR `transferred`, a failure → the BYE with
 * X-headers and CDR `transfer_failed`. A contained outcome is never transferred.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialog } from '../../src/dialog/index.ts';
import type { SipRequest } from '../../src/sip/index.ts';
import type { CallRecord, HandoffRecord } from '../../src/store/index.ts';
import type { ServerTransaction } from '../../src/transaction/index.ts';
import { demoTenantId, startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const SESSION_HEADER = 'X-five9sessionid';

/** What the contact center saw of one REFER. */
interface Seen {
  refer?: SipRequest;
  recordAtRefer?: Promise<HandoffRecord | undefined>;
}

/** Accepts the REFER with 202 and reports the transferee's INVITE by NOTIFYs: 100, then `final`. */
function acceptRefer(dialog: Dialog, final: string, seen: Seen, lookup: () => Promise<HandoffRecord | undefined>): void {
  dialog.handlers.onRefer = (tx: ServerTransaction) => {
    seen.refer = tx.request;
    seen.recordAtRefer = lookup();
    tx.reply(202);
    const notify = (frag: string, state: string): void => {
      dialog.request('NOTIFY', {
        headers: [['Event', 'refer'], ['Subscription-State', state]], body: `${frag}\r\n`, contentType: 'message/sipfrag;version=2.0',
      });
    };
    notify('SIP/2.0 100 Trying', 'active;expires=60');
    setTimeout(() => notify(final, 'terminated;reason=noresource'), 20);
  };
}

/** Waits until the CDR of `id` has left the live states. */
async function finalCdr(gw: TestGateway, id: string): Promise<CallRecord> {
  return within((async () => {
    for (;;) {
      const cdr = await gw.store.getCall(id);
      if (cdr?.endedAt !== undefined && cdr.outcome !== 'answered') return cdr;
      await new Promise((r) => setTimeout(r, 10));
    }
  })(), 'the final CDR');
}

describe('transfer by REFER', () => {
  let gw: TestGateway;
  let uac: TestUac;
  let tenantId: string;

  before(async () => {
    gw = await startTestGateway('e2e-refer', {
      trunks: [{ name: 'genesys', transfer: 'refer', referTarget: 'sip:{destination}@cc.example.com' }],
      demo: { enabled: true },
    });
    uac = await TestUac.start(gw.sipPort);
    tenantId = await demoTenantId(gw);
  });

  after(async () => {
    await uac?.close();
    await gw?.close();
  });

  /** A call whose REFER is accepted and followed by a NOTIFY with `sipfrag`; the caller presses `digit`. */
  async function referredCall(digit: string, sipfrag: string): Promise<{ seen: Seen; bye: SipRequest }> {
    const sid = randomUUID();
    const placed = await uac.call('7001', [[SESSION_HEADER, sid]]);
    assert.ok(placed.dialog);
    const seen: Seen = {};
    acceptRefer(placed.dialog, sipfrag, seen, () => gw.store.getHandoffBySharedId(tenantId, sid));
    await uac.pressDigit(placed.dialog, digit);
    return { seen, bye: await placed.bye() };
  }

  test('202, NOTIFY 200: the transfer succeeded, then a plain BYE; the record was there at the REFER', async () => {
    const { seen, bye } = await referredCall('1', 'SIP/2.0 200 OK');
    assert.equal(bye.get('X-contained'), undefined, 'no routing headers after a transfer');
    const refer = seen.refer;
    assert.ok(refer);
    assert.equal(refer.get('Refer-To'), '<sip:billing@cc.example.com>');
    assert.equal(refer.get('X-contained'), 'false');
    assert.equal(refer.get('X-destination'), 'billing');
    assert.ok(refer.has('Referred-By'));
    const [hex, param] = (refer.get('User-to-User') ?? '').split(';');
    assert.equal(param, 'encoding=hex');
    const conversationId = Buffer.from(hex ?? '', 'hex').toString('utf8');
    const record = await seen.recordAtRefer;
    assert.equal(record?.id, conversationId, 'the record existed when the REFER arrived');
    assert.equal(record?.data['destination'], 'billing');
    assert.equal((await finalCdr(gw, conversationId)).outcome, 'transferred');
  });

  test('202, NOTIFY 503: the transfer failed, the BYE carries the X-headers', async () => {
    const { seen, bye } = await referredCall('2', 'SIP/2.0 503 Service Unavailable');
    assert.equal(bye.get('X-contained'), 'false');
    assert.equal(bye.get('X-destination'), 'support');
    const record = await seen.recordAtRefer;
    assert.ok(record);
    assert.equal((await finalCdr(gw, record.id)).outcome, 'transfer_failed');
  });

  test('a REFER the contact center declines: the BYE with X-headers', async () => {
    const placed = await uac.call('7001');
    assert.ok(placed.dialog);
    await uac.pressDigit(placed.dialog, '1');
    const bye = await placed.bye();
    assert.equal(bye.get('X-destination'), 'billing');
  });

  test('a contained outcome is not transferred: BYE with X-contained: true', async () => {
    const placed = await uac.call('7001');
    assert.ok(placed.dialog);
    let refers = 0;
    placed.dialog.handlers.onRefer = (tx) => { refers++; tx.reply(603); };
    await uac.pressDigit(placed.dialog, '3');
    const bye = await placed.bye();
    assert.equal(bye.get('X-contained'), 'true');
    assert.equal(refers, 0);
  });
});
