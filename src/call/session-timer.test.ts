/**
 * One call's session timer (RFC 4028) between two user agents on linked in-memory
 * transports and a driven clock: the 200's headers, our refresh by UPDATE (or re-INVITE
 * when the caller does not allow UPDATE, or answers it 405), the caller's refresh answered
 * with our session headers and restarting the count, and the end when no refresh comes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserAgent, type Dialog, type IncomingInvite } from '../dialog/index.ts';
import { ManualClock } from '../transaction/index.ts';
import type { Transport } from '../transport/types.ts';
import { FakeTransport, flush } from '../../test/support/fake-transport.ts';
import { rejectionFor, rejectionHeaders } from './reject.ts';
import { CallSessionTimer, SessionIntervalError, sessionPolicy } from './session-timer.ts';

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const POLICY = sessionPolicy({ maxCallDurationMs: 1, retentionMs: 1, retryAfterSec: 1 });

function asTransport(fake: FakeTransport): Transport {
  return Object.assign(fake, { advertised: () => fake.local, onDrop: () => {}, close: async () => {} }) as unknown as Transport;
}

async function settle(clock: ManualClock, ms = 0): Promise<void> {
  for (let i = 0; i < 4; i++) await flush();
  if (ms > 0) clock.advance(ms);
  for (let i = 0; i < 4; i++) await flush();
}

/** A call answered with the session timer's headers; the caller's INVITE carries `headers`. */
async function answered(headers: Array<[string, string]>) {
  const clock = new ManualClock();
  const gwT = new FakeTransport({ clock, local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 } });
  const ccT = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 } });
  gwT.link(ccT);
  const invites: IncomingInvite[] = [];
  new UserAgent({ transport: asTransport(gwT), clock, onInvite: (i) => invites.push(i) });
  const cc = new UserAgent({ transport: asTransport(ccT), clock });
  const out = cc.invite({ target: ccT.remote, uri: 'sip:7001@192.0.2.1', sdp: SDP, headers });
  await settle(clock);
  const invite = invites[0] as IncomingInvite;
  const session = new CallSessionTimer(invite.request, POLICY, clock);
  const gw = invite.accept({ sdp: SDP, headers: session.answerHeaders });
  let expired = 0;
  gw.handlers.onModify = (tx) => session.onModify(tx, (h) => tx.reply(200, { body: SDP, contentType: 'application/sdp', headers: h }));
  session.start(gw, () => SDP, () => { expired++; });
  const { response, dialog } = await out.result;
  await settle(clock);
  return { clock, gwT, ccT, session, gw, cc: dialog as Dialog, response, expired: () => expired };
}

test('422 with Min-SE for a too small interval, through the call rejection path', () => {
  const r = rejectionFor(new SessionIntervalError(90), 5);
  assert.equal(r.status, 422);
  assert.deepEqual(rejectionHeaders(r), [['Min-SE', 90]]);
});

test('the caller refreshes: our 200 says so with Require: timer; no refresh before expiry-32 s ends the call', async () => {
  const s = await answered([['Supported', 'timer'], ['Session-Expires', '120;refresher=uac']]);
  assert.equal(s.response.get('Session-Expires'), '120;refresher=uac');
  assert.equal(s.response.get('Require'), 'timer');
  assert.ok(s.response.getAll('Supported').includes('timer'));
  assert.equal(s.session.weRefresh, false);
  await settle(s.clock, 87_999); // 120 s - min(32 s, 40 s)
  assert.equal(s.expired(), 0);
  await settle(s.clock, 1);
  assert.equal(s.expired(), 1);
  assert.equal(s.gwT.requests('UPDATE').length + s.gwT.requests('INVITE').length, 0);
});

test("the caller's UPDATE refresh is answered with our session headers and restarts the count", async () => {
  const s = await answered([['Supported', 'timer'], ['Session-Expires', '120;refresher=uac']]);
  await settle(s.clock, 60_000);
  const res = await s.cc.request('UPDATE', { headers: [['Session-Expires', '120;refresher=uac'], ['Supported', 'timer']] }).final;
  assert.equal(res.status, 200);
  assert.equal(res.get('Session-Expires'), '120;refresher=uac');
  assert.equal(res.get('Require'), 'timer');
  await settle(s.clock, 87_000);
  assert.equal(s.expired(), 0);
  await settle(s.clock, 1000);
  assert.equal(s.expired(), 1);
});

test("a refresh asking less than our Min-SE gets 422 (RFC 4028 §9)", async () => {
  const s = await answered([['Supported', 'timer'], ['Session-Expires', '120;refresher=uac']]);
  const res = await s.cc.request('UPDATE', { headers: [['Session-Expires', '30']] }).final;
  assert.equal(res.status, 422);
  assert.equal(res.get('Min-SE'), '90');
});

test('we refresh (caller without timer support): UPDATE at half the interval when allowed', async () => {
  const s = await answered([['Allow', 'INVITE, ACK, BYE, UPDATE']]);
  assert.equal(s.response.get('Session-Expires'), '1800;refresher=uas');
  assert.equal(s.response.get('Require'), undefined);
  s.cc.handlers.onModify = (tx) => tx.reply(200);
  await settle(s.clock, 899_999);
  assert.equal(s.gwT.requests('UPDATE').length, 0);
  await settle(s.clock, 1);
  const update = s.gwT.requests('UPDATE')[0];
  assert.equal(update?.get('Session-Expires'), '1800;refresher=uac');
  assert.equal(update?.get('Min-SE'), '90');
  await settle(s.clock, 900_000);
  assert.equal(s.gwT.requests('UPDATE').length, 2);
  assert.equal(s.expired(), 0);
});

test('we refresh by re-INVITE with our SDP when UPDATE is not allowed or answered 405', async () => {
  const s = await answered([['Allow', 'INVITE, ACK, BYE, UPDATE']]);
  s.cc.handlers.onModify = (tx) => tx.reply(tx.request.method === 'UPDATE' ? 405 : 200, { body: SDP, contentType: 'application/sdp' });
  await settle(s.clock, 900_000);
  await settle(s.clock);
  assert.equal(s.gwT.requests('UPDATE').length, 1);
  const reinvite = s.gwT.requests('INVITE')[0];
  assert.equal(reinvite?.body.toString(), SDP);
  assert.equal(reinvite?.get('Session-Expires'), '1800;refresher=uac');
  assert.equal(s.gwT.requests('ACK').length, 1);
  assert.equal(s.expired(), 0);
});

test('our refresh answered 481: the session is over at once', async () => {
  const s = await answered([]);
  s.cc.handlers.onModify = (tx) => tx.reply(481);
  await settle(s.clock, 900_000);
  await settle(s.clock);
  assert.equal(s.gwT.requests('INVITE').length, 1);
  assert.equal(s.expired(), 1);
});
