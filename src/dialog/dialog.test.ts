/**
 * Dialogs end to end between two user agents on linked in-memory transports and a
 * driven clock (RFC 3261 §12–§15): 2xx retransmission until the ACK (§13.3.1.4), BYE
 * (or the owner's onAckTimeout) when no ACK comes, in-dialog BYE/INFO/re-INVITE, CSeq order (§12.2.2), 481 for
 * unknown dialogs, CANCEL before the answer (§9), OPTIONS capabilities (§11.2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../transaction/index.ts';
import type { Transport } from '../transport/types.ts';
import { FakeTransport, flush } from '../../test/support/fake-transport.ts';
import { UserAgent } from './user-agent.ts';
import type { Dialog } from './dialog.ts';
import type { IncomingInvite } from './uas.ts';
import { SipRequest, parseUri } from '../sip/index.ts';

const T1 = 500;
const OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function asTransport(fake: FakeTransport): Transport {
  return Object.assign(fake, {
    advertised: () => fake.local,
    onDrop: () => {},
    close: async () => {},
  }) as unknown as Transport;
}

function pair() {
  const clock = new ManualClock();
  const uasT = new FakeTransport({ clock, local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 } });
  const uacT = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 } });
  uasT.link(uacT);
  const invites: IncomingInvite[] = [];
  const errors: unknown[] = [];
  const uas = new UserAgent({ transport: asTransport(uasT), clock, onInvite: (i) => invites.push(i), onError: (e) => errors.push(e) });
  const uac = new UserAgent({ transport: asTransport(uacT), clock, onError: (e) => errors.push(e) });
  const call = () => uac.invite({ target: uacT.remote, uri: 'sip:7001@192.0.2.1', sdp: OFFER, headers: [['X-five9sessionid', 'S-1']] });
  return { clock, uasT, uacT, uas, uac, invites, errors, call };
}

async function settle(clock: ManualClock, ms = 0): Promise<void> {
  await flush();
  if (ms > 0) clock.advance(ms);
  await flush();
  await flush();
}

async function established() {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  const invite = p.invites[0] as IncomingInvite;
  const uasDialog = invite.accept({ sdp: OFFER });
  const result = await out.result;
  await settle(p.clock);
  return { ...p, out, invite, uasDialog, uacDialog: result.dialog as Dialog, result };
}

test('INVITE, 200, ACK: both sides hold the dialog and the 200 is not retransmitted after the ACK', async () => {
  const s = await established();
  assert.equal(s.result.response.status, 200);
  assert.equal(s.invite.request.get('X-five9sessionid'), 'S-1');
  assert.equal(s.uasDialog.acked, true);
  assert.equal(s.uacDialog.id.remoteTag, s.uasDialog.id.localTag);
  await settle(s.clock, 10 * T1);
  assert.equal(s.uasT.responses(200).length, 1);
  assert.deepEqual(s.errors, []);
});

test('a lost ACK: the 200 is retransmitted at T1, 2T1… and re-ACKed (RFC 3261 §13.3.1.4)', async () => {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  p.uacT.drop(1, 'request'); // the next request the UAC sends is the ACK
  const dialog = (p.invites[0] as IncomingInvite).accept({ sdp: OFFER });
  await out.result;
  await settle(p.clock);
  assert.equal(dialog.acked, false);
  await settle(p.clock, T1);
  assert.equal(p.uasT.responses(200).length, 2);
  assert.equal(dialog.acked, true);
  await settle(p.clock, 8 * T1);
  assert.equal(p.uasT.responses(200).length, 2);
});

test('no ACK within 64*T1: the UAS sends BYE and the dialog ends with ack_timeout', async () => {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  p.uacT.drop(1000, 'request');
  const dialog = (p.invites[0] as IncomingInvite).accept({ sdp: OFFER });
  let reason = '';
  dialog.handlers.onEnd = (r) => { reason = r; };
  await out.result;
  for (let t = 0; t < 70; t++) await settle(p.clock, T1);
  assert.equal(reason, 'ack_timeout');
  assert.equal(p.uasT.requests('BYE').length, 1);
  const retransmits = p.uasT.times((x) => x.kind === 'response' && x.message.status === 200);
  assert.deepEqual(retransmits.slice(0, 5), [0, 500, 1500, 3500, 7500]);
});

test('no ACK within 64*T1 with an onAckTimeout owner: the owner decides, no bare BYE', async () => {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  p.uacT.drop(1000, 'request');
  const dialog = (p.invites[0] as IncomingInvite).accept({ sdp: OFFER });
  let timeouts = 0;
  dialog.handlers.onAckTimeout = () => { timeouts++; };
  await out.result;
  for (let t = 0; t < 70; t++) await settle(p.clock, T1);
  assert.equal(timeouts, 1);
  assert.equal(dialog.state, 'confirmed');
  assert.equal(p.uasT.requests('BYE').length, 0);
  const before = p.uasT.responses(200).length;
  await settle(p.clock, 10 * T1);
  assert.equal(p.uasT.responses(200).length, before, '2xx retransmissions stopped');
  await dialog.bye({ headers: [['X-contained', 'false']] });
  assert.equal(p.uasT.requests('BYE')[0]?.get('X-contained'), 'false');
});

/** A call the UAS answers 200 once `lose` has told the transports what to drop (the 200, ACKs). */
async function answeredLosing(lose: (p: ReturnType<typeof pair>) => void) {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  lose(p);
  return { ...p, out, dialog: (p.invites[0] as IncomingInvite).accept({ sdp: OFFER }) };
}

test('a BYE before the ACK waits for it (RFC 3261 §15): the 200 goes again, then the BYE with its headers', async () => {
  const { dialog, out, ...p } = await answeredLosing((x) => x.uasT.drop(1, 'response')); // the 200 is lost
  const bye = dialog.bye({ headers: [['X-contained', 'false']] });
  const again = dialog.bye(); // one BYE, whoever asks
  await settle(p.clock);
  assert.equal(p.uasT.requests('BYE').length, 0, 'no BYE before the ACK');
  assert.equal(dialog.state, 'confirmed');
  await settle(p.clock, T1); // the 200 again; the caller ACKs it
  assert.equal((await out.result).response.status, 200);
  await settle(p.clock);
  assert.equal(dialog.acked, true);
  assert.equal(p.uasT.requests('BYE').length, 1);
  assert.equal(p.uasT.requests('BYE')[0]?.get('X-contained'), 'false');
  assert.equal((await bye).status, 200);
  assert.equal((await again).status, 200);
  assert.equal(dialog.state, 'terminated');
  const order = p.uasT.sent.map((x) => (x.kind === 'request' ? x.message.method : String(x.message.status)));
  assert.ok(order.lastIndexOf('200') < order.indexOf('BYE'), order.join(' '));
  assert.deepEqual(p.errors, []);
});

test('a BYE held for an ACK that never comes goes at 64*T1, with its headers, instead of a bare one', async () => {
  const { dialog, out, ...p } = await answeredLosing((x) => x.uacT.drop(1000, 'request')); // every ACK is lost
  let reason = '';
  let ownerTold = 0;
  dialog.handlers.onEnd = (r) => { reason = r; };
  dialog.handlers.onAckTimeout = () => { ownerTold++; };
  await out.result;
  const bye = dialog.bye({ headers: [['X-destination', 'billing']] });
  for (let t = 0; t < 63; t++) await settle(p.clock, T1);
  assert.equal(p.uasT.requests('BYE').length, 0, 'held while the 200 is retransmitted');
  for (let t = 0; t < 3; t++) await settle(p.clock, T1);
  assert.equal(p.uasT.requests('BYE').length, 1);
  assert.equal(p.uasT.requests('BYE')[0]?.get('X-destination'), 'billing');
  assert.equal(ownerTold, 0, 'the held BYE ends the session: nothing left for the owner to decide');
  assert.equal(reason, 'bye_sent');
  assert.equal((await bye).status, 200);
});

test("the caller's BYE while ours waits for the ACK: ours never goes and its promise rejects", async () => {
  const { dialog: uasDialog, out, ...p } = await answeredLosing((x) => x.uacT.drop(1, 'request')); // the ACK is lost
  const ours = heldBye(uasDialog);
  const uacDialog = (await out.result).dialog as Dialog;
  await settle(p.clock);
  assert.equal((await uacDialog.bye()).status, 200);
  await assert.rejects(ours, /ended before the ACK/);
  assert.equal(p.uasT.requests('BYE').length, 0);
  assert.equal(uasDialog.state, 'terminated');
});

function heldBye(d: Dialog): Promise<unknown> {
  const p = d.bye();
  p.catch(() => undefined); // checked by the test; not unhandled meanwhile
  return p;
}

test('in-dialog BYE from the caller is answered 200 and reported', async () => {
  const s = await established();
  let byes = 0;
  s.uasDialog.handlers.onBye = () => { byes++; };
  const res = await s.uacDialog.bye();
  assert.equal(res.status, 200);
  assert.equal(byes, 1);
  assert.equal(s.uasDialog.state, 'terminated');
  assert.equal(s.uas.dialogCount, 0);
});

test('INFO reaches the handler and is answered 200; a re-INVITE is answered by onModify', async () => {
  const s = await established();
  const infos: string[] = [];
  s.uasDialog.handlers.onInfo = (tx) => infos.push(tx.request.body.toString());
  s.uasDialog.handlers.onModify = (tx) => tx.reply(200, { body: OFFER, contentType: 'application/sdp', toTag: s.uasDialog.id.localTag });
  const info = s.uacDialog.request('INFO', { body: 'Signal=1\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
  assert.equal((await info.final).status, 200);
  assert.deepEqual(infos, ['Signal=1\r\nDuration=160\r\n']);
  const re = await s.uacDialog.reinvite(OFFER.replace('a=', 'a=').concat('a=sendonly\r\n'));
  assert.equal(re.status, 200);
  await settle(s.clock);
  assert.equal(s.uacT.requests('ACK').length, 2);
});

test('an in-dialog request with a lower CSeq gets 500 (§12.2.2); an unknown dialog gets 481', async () => {
  const s = await established();
  await (s.uacDialog.request('INFO', {}).final);
  const stale = s.uacDialog.createRequest('INFO', {}, 1);
  const res = await s.uac.transactions.request(stale, s.uacT.remote).final;
  assert.equal(res.status, 500);
  const ghost = s.uacDialog.createRequest('BYE');
  ghost.set('Call-ID', 'no-such-call');
  assert.equal((await s.uac.transactions.request(ghost, s.uacT.remote).final).status, 481);
});

test('CANCEL after the 180: the INVITE ends 487 and the UAS hears of it', async () => {
  const p = pair();
  const out = p.call();
  await settle(p.clock);
  const invite = p.invites[0] as IncomingInvite;
  let cancelled = false;
  invite.onCancel = () => { cancelled = true; };
  invite.provisional(180);
  await settle(p.clock);
  out.cancel();
  const result = await out.result;
  assert.equal(result.response.status, 487);
  assert.equal(cancelled, true);
  assert.equal(invite.state, 'cancelled');
  assert.throws(() => invite.accept({}));
});

test('OPTIONS outside a dialog: 200 with Allow, Accept and Supported (§11.2)', async () => {
  const p = pair();
  const req = new SipRequest('OPTIONS', parseUri('sip:192.0.2.1'));
  for (const [n, v] of [['Max-Forwards', '70'], ['From', '<sip:a@192.0.2.10>;tag=x1'], ['To', '<sip:192.0.2.1>'], ['Call-ID', 'opt-1'], ['CSeq', '1 OPTIONS']]) {
    req.append(n as string, v as string);
  }
  const res = await p.uac.send(req, p.uacT.remote);
  assert.equal(res.status, 200);
  assert.match(res.get('Allow') ?? '', /INVITE/);
  assert.equal(res.get('Accept'), 'application/sdp');
  assert.ok(res.has('Supported'));
});

test('acceptModify: the 200 to a re-INVITE has a Contact and goes again until its ACK (§14.2, §13.3.1.4)', async () => {
  const s = await established();
  s.uasDialog.handlers.onModify = (tx) => s.uasDialog.acceptModify(tx, { body: OFFER, contentType: 'application/sdp' });
  const first200s = s.uasT.responses(200).length;
  const pending = s.uacDialog.reinvite(OFFER);
  s.uacT.drop(1, 'request'); // the re-INVITE is on its way: the next request is its ACK
  const re = await pending;
  assert.equal(re.status, 200);
  assert.match(re.get('Contact') ?? '', /^<sip:agentline@192\.0\.2\.1:5060>$/);
  await settle(s.clock);
  assert.equal(s.uasDialog.acked, false);
  await settle(s.clock, T1);
  assert.equal(s.uasT.responses(200).length - first200s, 2, 'one retransmission, then the ACK came');
  assert.equal(s.uasDialog.acked, true);
  await settle(s.clock, 16 * T1);
  assert.equal(s.uasT.responses(200).length - first200s, 2);
  assert.equal(s.uasT.requests('BYE').length, 0);
});

test("acceptModify: a stray ACK of the first INVITE does not stop the re-INVITE's 200; no ACK at all ends the call", async () => {
  const s = await established();
  s.uasDialog.handlers.onModify = (tx) => s.uasDialog.acceptModify(tx, { body: OFFER, contentType: 'application/sdp' });
  let timedOut = 0;
  s.uasDialog.handlers.onAckTimeout = () => { timedOut += 1; };
  const pending = s.uacDialog.reinvite(OFFER);
  s.uacT.drop(1000, 'request'); // every ACK
  await pending;
  await settle(s.clock);
  s.uasDialog.receiveAck(s.uacDialog.createRequest('ACK', {}, s.result.response.cseq.seq));
  assert.equal(s.uasDialog.acked, false);
  for (let t = 0; t < 70; t++) await settle(s.clock, T1);
  assert.equal(timedOut, 1);
});

test('acceptModify on an UPDATE: 200 with a Contact, no retransmission', async () => {
  const s = await established();
  s.uasDialog.handlers.onModify = (tx) => s.uasDialog.acceptModify(tx);
  const before = s.uasT.responses(200).length;
  const res = await s.uacDialog.request('UPDATE').final;
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 0);
  assert.ok(res.get('Contact'));
  await settle(s.clock, 16 * T1);
  assert.equal(s.uasT.responses(200).length - before, 1);
  assert.equal(s.uasDialog.acked, true);
});
