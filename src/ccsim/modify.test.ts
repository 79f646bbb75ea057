/**
 * The caller side answering the gateway's re-INVITEs and UPDATEs, between two user agents
 * on linked in-memory transports and a driven clock: session refreshes (RFC 4028 §9,
 * including the dialog layer's own refresher running for minutes), hold, an offerless
 * re-INVITE with the answer in the ACK, the 200 retransmitted until the ACK (RFC 3261
 * §13.3.1.4), and the refusals (488, 491, 422).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTimer, type Dialog, type IncomingInvite } from '../dialog/index.ts';
import { answerOffer, type NegotiatedMedia } from '../sdp/index.ts';
import type { SipResponse } from '../sip/index.ts';
import { settle, sipPair } from '../../test/support/sip-pair.ts';
import { CallerSdp } from './caller-sdp.ts';
import { ModifyAnswerer, type ReofferMedia } from './modify.ts';
import type { CallIssue } from './types.ts';

const T1 = 500;
const TIMER: Array<[string, string]> = [['Session-Expires', '90;refresher=uac'], ['Min-SE', '90'], ['Supported', 'timer']];

/** {@link CallerMedia} without RTP: the SDP state and what was applied. */
class SdpMedia implements ReofferMedia {
  readonly applied: NegotiatedMedia[] = [];
  constructor(readonly sdp: CallerSdp) {}
  answerReoffer(offer: string): string {
    const result = this.sdp.answer(offer);
    this.applied.push(result.media);
    return result.answer;
  }
  reoffer(): string {
    return this.sdp.offer();
  }
  acceptReanswer(answer: string): NegotiatedMedia {
    const media = this.sdp.acceptAnswer(answer);
    this.applied.push(media);
    return media;
  }
  get offerPending(): boolean {
    return this.sdp.offerPending;
  }
  get direction(): NegotiatedMedia['direction'] | undefined {
    return this.applied.at(-1)?.direction;
  }
}

/** A call from the emulator side, answered by the gateway side; the emulator answers modifications. */
async function established() {
  const p = sipPair();
  const media = new SdpMedia(new CallerSdp({ address: '192.0.2.10', port: 4000, codec: 'PCMU', rtcpMux: false, sessionId: '42' }));
  const out = p.cc.invite({ target: p.ccT.remote, uri: 'sip:7001@192.0.2.1', sdp: media.sdp.offer() });
  await settle(p.clock);
  const invite = p.invites[0] as IncomingInvite;
  const gatewaySdp = answerOffer(invite.request.body.toString(), { address: '192.0.2.1', port: 40000, sessionId: '7' }).answer;
  const gw = invite.accept({ sdp: gatewaySdp });
  const { response, dialog } = await out.result;
  media.acceptReanswer(response.body.toString());
  await settle(p.clock);
  const issues: CallIssue[] = [];
  let ackTimeouts = 0;
  const cc = dialog as Dialog;
  const modify = new ModifyAnswerer({
    dialog: cc, media, elapsedMs: () => p.clock.now(), issue: (i) => issues.push(i), ackTimeout: () => { ackTimeouts++; },
  });
  cc.handlers = { onModify: (tx) => modify.receive(tx), onAck: (req) => modify.ack(req) };
  /** 200s to re-INVITEs the emulator sent (first sends and retransmissions). */
  const invite200s = (): number => p.ccT.responses(200).filter((r) => r.cseq.method === 'INVITE').length;
  return { ...p, media, gw, cc, gatewaySdp, modify, issues, ackTimeouts: () => ackTimeouts, invite200s };
}

const origin = (res: SipResponse): string => /^o=.*$/m.exec(res.body.toString())?.[0] ?? '';

test('a session refresh by re-INVITE: 200 with our answer at the same version, Session-Expires and Require echoed', async () => {
  const s = await established();
  const res = await s.gw.reinvite(s.gatewaySdp, { headers: TIMER });
  await settle(s.clock);
  assert.equal(res.status, 200);
  assert.equal(origin(res), 'o=ccsim 42 1 IN IP4 192.0.2.10', 'same session id, unchanged SDP, same version');
  assert.match(res.body.toString(), /^m=audio 4000 RTP\/AVP 0 101$/m);
  assert.equal(res.get('Session-Expires'), '90;refresher=uac');
  assert.equal(res.get('Require'), 'timer');
  assert.match(res.get('Contact') ?? '', /^<sip:ccsim@192\.0\.2\.10:5060>$/);
  assert.deepEqual(s.modify.updates, [{ method: 'INVITE', status: 200, sdp: 'answer', direction: 'sendrecv', sessionExpires: '90;refresher=uac', atMs: 0 }]);
  await settle(s.clock, 10 * T1);
  assert.equal(s.invite200s(), 1, 'the ACK stopped the retransmissions');
  assert.deepEqual([s.issues, s.ackTimeouts(), s.errors], [[], 0, []]);
});

test("the dialog layer's session timer refreshing by re-INVITE for 10 minutes: every refresh answered, never expired", async () => {
  const s = await established();
  let expired = 0;
  const timer = new SessionTimer(s.clock, { intervalSec: 90, weRefresh: true }, {
    refresh: (headers) => s.gw.reinvite(s.gatewaySdp, { headers }),
    expired: () => { expired++; },
  });
  timer.start();
  for (let t = 0; t < 600; t += 5) await settle(s.clock, 5000);
  timer.stop();
  assert.equal(expired, 0);
  assert.equal(s.modify.updates.length, 13, 'one refresh every 45 s');
  assert.ok(s.modify.updates.every((u) => u.status === 200 && u.sessionExpires === '90;refresher=uac'));
  assert.equal(timer.state.weRefresh, true, 'the gateway stays the refresher');
  assert.deepEqual(s.issues, []);
});

test('an UPDATE without SDP (RFC 3311 refresh): 200 without SDP, with the session headers', async () => {
  const s = await established();
  const res = await s.gw.request('UPDATE', { headers: TIMER }).final;
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 0);
  assert.equal(res.get('Session-Expires'), '90;refresher=uac');
  assert.equal(res.get('Require'), 'timer');
  assert.equal(s.modify.updates[0]?.sdp, 'none');
});

test('hold and resume by re-INVITE: a=recvonly at version 2, then a=sendrecv at version 3; the media follows', async () => {
  const s = await established();
  const held = await s.gw.reinvite(s.gatewaySdp.replace('a=sendrecv', 'a=sendonly'));
  assert.match(held.body.toString(), /^a=recvonly$/m);
  assert.equal(origin(held), 'o=ccsim 42 2 IN IP4 192.0.2.10');
  assert.equal(s.media.direction, 'recvonly');
  const resumed = await s.gw.reinvite(s.gatewaySdp);
  assert.match(resumed.body.toString(), /^a=sendrecv$/m);
  assert.equal(origin(resumed), 'o=ccsim 42 3 IN IP4 192.0.2.10');
  assert.deepEqual(s.modify.updates.map((u) => [u.status, u.direction, u.sessionExpires]), [[200, 'recvonly', undefined], [200, 'sendrecv', undefined]]);
});

test('a re-INVITE without SDP: our offer in the 200, the answer in the ACK is applied', async () => {
  const s = await established();
  const tx = s.gw.request('INVITE', { headers: TIMER });
  const res = await tx.final;
  assert.equal(res.status, 200);
  assert.equal(origin(res), 'o=ccsim 42 1 IN IP4 192.0.2.10');
  assert.match(res.body.toString(), /^a=sendrecv$/m);
  const answer = answerOffer(res.body.toString(), { address: '192.0.2.1', port: 40000, sessionId: '7' }).answer.replace('a=sendrecv', 'a=sendonly');
  const ack = s.gw.createRequest('ACK', { body: answer, contentType: 'application/sdp' }, tx.request.cseq.seq);
  s.gw.host.transactions.request(ack, s.gw.nextHop);
  await settle(s.clock, 10 * T1);
  assert.equal(s.media.direction, 'recvonly', 'the answer from the ACK');
  assert.deepEqual(s.modify.updates.map((u) => [u.sdp, u.direction]), [['offer', 'recvonly']]);
  assert.equal(s.invite200s(), 1);
  assert.deepEqual([s.issues, s.ackTimeouts()], [[], 0]);
});

test('no ACK: the 200 is retransmitted at T1, 2T1, 4T1…, and after 64*T1 the owner is told to end the call', async () => {
  const s = await established();
  // A bare INVITE transaction: the gateway side never ACKs its 200.
  const res = await s.gw.request('INVITE', { body: s.gatewaySdp, contentType: 'application/sdp' }).final;
  assert.equal(res.status, 200);
  assert.equal(s.invite200s(), 1);
  await settle(s.clock, T1);
  assert.equal(s.invite200s(), 2);
  await settle(s.clock, 2 * T1);
  assert.equal(s.invite200s(), 3);
  await settle(s.clock, 64 * T1);
  assert.equal(s.ackTimeouts(), 1);
  assert.deepEqual(s.issues.map((i) => i.code), ['reinvite_ack_timeout']);
});

test('an offer without our codec: 488, the session stays as it was', async () => {
  const s = await established();
  const pcma = s.gatewaySdp.replace('RTP/AVP 0 101', 'RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');
  assert.equal((await s.gw.reinvite(pcma)).status, 488);
  assert.deepEqual(s.issues.map((i) => i.code), ['reoffer_refused']);
  const again = await s.gw.reinvite(s.gatewaySdp);
  assert.equal(origin(again), 'o=ccsim 42 1 IN IP4 192.0.2.10');
  assert.deepEqual(s.modify.updates.map((u) => u.status), [488, 200]);
});

test('Session-Expires below 90 s: 422 with Min-SE; no Session-Expires: none in the 200', async () => {
  const s = await established();
  const short = await s.gw.request('UPDATE', { headers: [['Session-Expires', '60'], ['Supported', 'timer']] }).final;
  assert.equal(short.status, 422);
  assert.equal(short.get('Min-SE'), '90');
  const plain = await s.gw.request('UPDATE').final;
  assert.equal(plain.status, 200);
  assert.deepEqual([plain.get('Session-Expires'), plain.get('Require')], [undefined, undefined]);
});

test('an offer while our offer waits for its answer: 491 (RFC 3311 §5.2); a pure refresh still passes', async () => {
  const s = await established();
  const tx = s.gw.request('INVITE');
  assert.equal((await tx.final).status, 200);
  const glare = await s.gw.request('UPDATE', { body: s.gatewaySdp, contentType: 'application/sdp' }).final;
  assert.equal(glare.status, 491);
  assert.equal((await s.gw.request('UPDATE', { headers: TIMER }).final).status, 200);
  assert.deepEqual(s.modify.updates.map((u) => [u.method, u.status]), [['INVITE', 200], ['UPDATE', 491], ['UPDATE', 200]]);
});
