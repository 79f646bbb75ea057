/**
 * REFER inside a dialog (RFC 3515) between two user agents on linked in-memory
 * transports and a driven clock: the outcome follows the NOTIFY sipfrag (§2.4.5), not
 * the 202; a refused REFER, a failing or silent transferee, and a REFER nobody handles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type ServerTransaction } from '../transaction/index.ts';
import type { Transport } from '../transport/types.ts';
import { FakeTransport, flush } from '../../test/support/fake-transport.ts';
import { parseMessage, type SipRequest } from '../sip/index.ts';
import { UserAgent } from './user-agent.ts';
import type { Dialog } from './dialog.ts';
import type { IncomingInvite } from './uas.ts';
import { parseSipfragStatus, readReferNotify, referAndFollow } from './refer.ts';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function asTransport(fake: FakeTransport): Transport {
  return Object.assign(fake, { advertised: () => fake.local, onDrop: () => {}, close: async () => {} }) as unknown as Transport;
}

/** The gateway side (UAS of the call, sender of the REFER) and the contact center (UAC). */
async function established() {
  const clock = new ManualClock();
  const gwT = new FakeTransport({ clock, local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 } });
  const ccT = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 } });
  gwT.link(ccT);
  const invites: IncomingInvite[] = [];
  new UserAgent({ transport: asTransport(gwT), clock, onInvite: (i) => invites.push(i) });
  const cc = new UserAgent({ transport: asTransport(ccT), clock });
  const out = cc.invite({ target: ccT.remote, uri: 'sip:7001@192.0.2.1', sdp: OFFER });
  await flush();
  const gwDialog = (invites[0] as IncomingInvite).accept({ sdp: OFFER });
  const ccDialog = (await out.result).dialog as Dialog;
  await flush();
  return { clock, gwT, ccT, gwDialog, ccDialog };
}

/** The contact center sends one NOTIFY of the refer subscription. */
function notify(dialog: Dialog, frag: string, state = 'active;expires=60'): void {
  dialog.request('NOTIFY', {
    headers: [['Event', 'refer'], ['Subscription-State', state]], body: `${frag}\r\n`, contentType: 'message/sipfrag;version=2.0',
  });
}

async function settle(clock: ManualClock, ms = 0): Promise<void> {
  for (let i = 0; i < 4; i++) await flush();
  if (ms > 0) clock.advance(ms);
  for (let i = 0; i < 4; i++) await flush();
}

test('sipfrag status lines and NOTIFY reading', () => {
  assert.equal(parseSipfragStatus('SIP/2.0 200 OK\r\n'), 200);
  assert.equal(parseSipfragStatus('SIP/2.0 100 Trying'), 100);
  assert.equal(parseSipfragStatus('garbage'), undefined);
  const req = (event: string, body: string, state: string): SipRequest => {
    const text = `NOTIFY sip:a@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK-n\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:a@y>;tag=2\r\n`
      + `Call-ID: n\r\nCSeq: 2 NOTIFY\r\nEvent: ${event}\r\nSubscription-State: ${state}\r\nContent-Type: message/sipfrag\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const r = parseMessage(Buffer.from(text));
    if (!r.ok) throw new Error(r.error.message);
    return r.message as SipRequest;
  };
  assert.deepEqual(readReferNotify(req('refer', 'SIP/2.0 100 Trying', 'active')), { kind: 'pending' });
  assert.deepEqual(readReferNotify(req('refer;id=7', 'SIP/2.0 486 Busy Here', 'terminated')), { kind: 'final', status: 486 });
  assert.deepEqual(readReferNotify(req('refer', '', 'terminated;reason=noresource')), { kind: 'terminated' });
  assert.deepEqual(readReferNotify(req('presence', 'SIP/2.0 200 OK', 'active')), { kind: 'ignore' });
});

test('202, NOTIFY 100 then NOTIFY 200: success; Refer-To in brackets, extra headers sent', async () => {
  const s = await established();
  let refer: SipRequest | undefined;
  s.ccDialog.handlers.onRefer = (tx: ServerTransaction) => {
    refer = tx.request;
    tx.reply(202);
    notify(s.ccDialog, 'SIP/2.0 100 Trying');
    setImmediate(() => notify(s.ccDialog, 'SIP/2.0 200 OK', 'terminated;reason=noresource'));
  };
  const result = referAndFollow(s.gwDialog, s.clock, {
    referTo: 'sip:billing@cc.example.com', headers: [['User-to-User', '6162;encoding=hex']], timeoutMs: 30_000,
  });
  await settle(s.clock);
  assert.deepEqual(await result, { ok: true, status: 200 });
  assert.equal(refer?.get('Refer-To'), '<sip:billing@cc.example.com>');
  assert.equal(refer?.get('User-to-User'), '6162;encoding=hex');
  assert.ok(refer?.has('Contact'));
  assert.equal(s.gwT.responses(200).filter((r) => r.cseq.method === 'NOTIFY').length, 2, 'both NOTIFYs answered');
  assert.equal(s.gwDialog.handlers.onNotify, undefined, 'handlers restored');
});

test('the outcome follows the NOTIFY, not the 202: NOTIFY 503 is a failure', async () => {
  const s = await established();
  s.ccDialog.handlers.onRefer = (tx) => {
    tx.reply(202);
    notify(s.ccDialog, 'SIP/2.0 503 Service Unavailable', 'terminated;reason=noresource');
  };
  const result = referAndFollow(s.gwDialog, s.clock, { referTo: 'sip:billing@cc.example.com', timeoutMs: 30_000 });
  await settle(s.clock);
  assert.deepEqual(await result, { ok: false, reason: 'failed', status: 503 });
});

test('a REFER refused, or not handled at all (603), is rejected', async () => {
  const s = await established();
  s.ccDialog.handlers.onRefer = (tx) => tx.reply(403);
  const refused = referAndFollow(s.gwDialog, s.clock, { referTo: 'sip:x@cc.example.com', timeoutMs: 30_000 });
  await settle(s.clock);
  assert.deepEqual(await refused, { ok: false, reason: 'rejected', status: 403 });
  s.ccDialog.handlers.onRefer = undefined;
  const unhandled = referAndFollow(s.gwDialog, s.clock, { referTo: 'sip:x@cc.example.com', timeoutMs: 30_000 });
  await settle(s.clock);
  assert.deepEqual(await unhandled, { ok: false, reason: 'rejected', status: 603 });
});

test('202 and no final NOTIFY: timeout on the driven clock; a BYE first: ended', async () => {
  const s = await established();
  s.ccDialog.handlers.onRefer = (tx) => tx.reply(202);
  const silent = referAndFollow(s.gwDialog, s.clock, { referTo: 'sip:x@cc.example.com', timeoutMs: 30_000 });
  await settle(s.clock, 29_999);
  let settled = false;
  void silent.then(() => { settled = true; });
  await settle(s.clock);
  assert.equal(settled, false);
  await settle(s.clock, 1);
  assert.deepEqual(await silent, { ok: false, reason: 'timeout' });
  const hungUp = referAndFollow(s.gwDialog, s.clock, { referTo: 'sip:x@cc.example.com', timeoutMs: 30_000 });
  await settle(s.clock);
  await s.ccDialog.bye();
  await settle(s.clock);
  assert.deepEqual(await hungUp, { ok: false, reason: 'ended' });
});
