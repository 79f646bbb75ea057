/**
 * The end of a call on a driven clock: a `CallManager` with real parts (SQLite in memory,
 * RTP on 127.0.0.1, the built-in agent) behind a user agent on an in-memory transport,
 * and a contact center on the other end. Covers what no real-time test can reach: no ACK
 * for 64*T1 (the call, not the stack, ends it: record, then BYE with X-headers, never a
 * REFER), a session that nobody refreshes (RFC 4028 §10, ended_by timeout), and a REFER
 * whose NOTIFY never comes (BYE with X-headers after the timeout).
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent, type Agent, type AgentFactory } from '../agents/index.ts';
import { parseConfig } from '../config/index.ts';
import { UserAgent, type Dialog, type IncomingInvite } from '../dialog/index.ts';
import { TimerMediaClock } from '../media/clock.ts';
import { PortAllocator } from '../media/ports.ts';
import { createLogger, Metrics } from '../obs/index.ts';
import { LocalConcurrencyLimiter, Router } from '../routing/index.ts';
import { openSqliteStore, type Store } from '../store/index.ts';
import { ManualClock } from '../transaction/index.ts';
import type { Transport } from '../transport/types.ts';
import { FakeTransport, flush } from '../../test/support/fake-transport.ts';
import { CallManager } from './manager.ts';

const T1 = 500;
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function asTransport(fake: FakeTransport): Transport {
  return Object.assign(fake, { advertised: () => fake.local, onDrop: () => {}, close: async () => {} }) as unknown as Transport;
}

/** Waits (real time, guarded) until `pred` holds: the call's steps do real I/O (SQLite, UDP bind). */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(pred(), `timed out waiting for ${what}`);
}

async function seed(store: Store): Promise<string> {
  const tenant = await store.createTenant({ slug: 'demo', name: 'Demo' });
  const base = { tenantId: tenant.id, kind: 'builtin', destinations: ['billing'], fallback: { contained: false, destination: 'billing' } };
  const handoff = { contained: false, destination: 'billing' };
  await store.createAgent({ ...base, slug: 'slow', name: 'Slow', extension: '7001', config: { waitMs: 600_000, outcome: handoff } });
  await store.createAgent({ ...base, slug: 'fast', name: 'Fast', extension: '7002', config: { waitMs: 0, outcome: handoff } });
  await store.createAgent({ ...base, slug: 'single', name: 'Single', extension: '7003', maxConcurrentCalls: 1, config: { waitMs: 0, outcome: handoff } });
  return tenant.id;
}

/** A gateway (a REFER trunk unless `transfer` says `bye`) and a contact center on a driven clock. */
async function rig(transfer: 'refer' | 'bye' = 'refer', agents: AgentFactory = createAgent) {
  const clock = new ManualClock();
  const store = openSqliteStore({ path: ':memory:' });
  const tenantId = await seed(store);
  const config = parseConfig({
    trunks: [transfer === 'refer'
      ? { name: 'cc', sources: ['192.0.2.0/24'], transfer: 'refer', referTarget: 'sip:{destination}@cc.example.com' }
      : { name: 'cc', sources: ['192.0.2.0/24'] }],
  });
  const mediaClock = new TimerMediaClock();
  const manager = new CallManager({
    store, clock, mediaClock, createAgent: agents, logger: createLogger({ level: 'silent' }), metrics: new Metrics(),
    router: new Router({ trunks: config.trunks, directory: store }), limiter: new LocalConcurrencyLimiter(),
    ports: new PortAllocator(42000, 42400), rtpBindAddress: '127.0.0.1', rtpAdvertisedAddress: '127.0.0.1',
    settings: { maxCallDurationMs: 3_600_000, retentionMs: 86_400_000, retryAfterSec: 5, referTimeoutMs: 30_000 },
  }, { maxCalls: 10 });
  const gwT = new FakeTransport({ clock, local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 } });
  const ccT = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 } });
  gwT.link(ccT);
  const gw = new UserAgent({ transport: asTransport(gwT), clock, onInvite: (i: IncomingInvite, inbound) => manager.handleInvite(i, inbound) });
  const cc = new UserAgent({ transport: asTransport(ccT), clock });
  closers.push(async () => {
    await manager.hangupAll();
    gw.close();
    cc.close();
    await store.close();
  });
  const byes: Array<{ headers: Record<string, string | undefined>; recordsBefore: number }> = [];
  let records = 0;
  store.onHandoff(() => { records++; });
  /** Places a call; with `loseAcks` every request the contact center sends after the INVITE is lost. */
  const call = async (user: string, headers: Array<[string, string]> = [], loseAcks = false): Promise<Dialog> => {
    const out = cc.invite({ target: ccT.remote, uri: `sip:${user}@192.0.2.1`, sdp: SDP, headers: [['X-five9sessionid', `S-${user}`], ...headers] });
    if (loseAcks) ccT.drop(1000, 'request');
    let dialog: Dialog | undefined;
    void out.result.then((r) => { dialog = r.dialog; });
    await until(() => dialog !== undefined, 'the 200');
    const d = dialog as Dialog;
    d.handlers.onBye = (req) => byes.push({ headers: { contained: req.get('X-contained'), destination: req.get('X-destination') }, recordsBefore: records });
    return d;
  };
  /** Advances the driven clock in T1 steps, letting I/O settle between them. */
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += T1) {
      clock.advance(Math.min(T1, ms - t));
      await flush();
    }
  };
  const record = (sid: string) => store.getHandoffBySharedId(tenantId, sid);
  return { clock, gwT, ccT, cc, call, advance, byes, record, manager };
}

test('no ACK within 64*T1: the call writes the record, then sends its BYE with X-headers (no REFER)', async () => {
  const r = await rig();
  await r.call('7001', [], true);
  await r.advance(64 * T1);
  await until(() => r.byes.length === 1, 'the BYE');
  assert.deepEqual(r.byes[0], { headers: { contained: 'false', destination: 'billing' }, recordsBefore: 1 });
  assert.equal(r.gwT.requests('REFER').length, 0);
  assert.equal(r.gwT.requests('BYE').length, 1, 'no bare BYE from the stack');
  const record = await r.record('S-7001');
  assert.equal(record?.data['ended_by'], 'system');
});

test('RFC 4028 §10: no refresh from the caller before expiry - 32 s ends the call, ended_by timeout', async () => {
  const r = await rig();
  await r.call('7001', [['Supported', 'timer'], ['Session-Expires', '90;refresher=uac']]);
  await r.advance(59_500);
  assert.equal(r.byes.length, 0);
  await r.advance(500);
  await until(() => r.byes.length === 1, 'the BYE');
  assert.deepEqual(r.byes[0], { headers: { contained: 'false', destination: 'billing' }, recordsBefore: 1 });
  assert.equal(r.gwT.requests('REFER').length, 0, 'a dead peer gets no REFER');
  const record = await r.record('S-7001');
  assert.equal(record?.data['ended_by'], 'timeout');
  assert.equal(record?.data['destination_note'], 'session_expired');
});

test('REFER accepted but no final NOTIFY: after the timeout, the BYE with X-headers', async () => {
  const r = await rig();
  const dialog = await r.call('7002');
  let refers = 0;
  dialog.handlers.onRefer = (tx) => { refers++; tx.reply(202); };
  await until(() => refers === 1, 'the REFER');
  assert.ok(await r.record('S-7002'), 'the record is written before the REFER');
  await r.advance(29_500);
  assert.equal(r.byes.length, 0);
  await r.advance(500);
  await until(() => r.byes.length === 1, 'the BYE');
  assert.deepEqual(r.byes[0]?.headers, { contained: 'false', destination: 'billing' });
});

test('a call whose BYE goes unanswered frees its agent\'s concurrency slot when the BYE is sent', async () => {
  const r = await rig('bye');
  // Every request the gateway sends is lost (its responses pass): the BYE waits for an answer
  // (Timer F, 32 s). Set before the call: the agent ends it at once.
  r.gwT.drop(1000, 'request');
  const first = await r.call('7003');
  await until(() => r.gwT.requests('BYE').length === 1, 'the BYE');
  assert.deepEqual(r.manager.list().map((c) => c.state), ['ended'], 'still listed, waiting for the answer');
  assert.equal(first.state, 'confirmed', 'the contact center never saw the BYE');
  // The agent is free: a second call gets it, not 486.
  const second = await r.call('7003');
  assert.ok(second);
  // Timer F ends both BYEs (408): the calls leave the list.
  await until(() => r.gwT.requests('BYE').length === 2, 'the second BYE');
  await r.advance(64 * T1);
  await until(() => r.manager.list().length === 0, 'both calls gone');
});

test('an agent whose abort listener throws: the caller\'s BYE still ends the call, and the record says so', async () => {
  // The listener's error is the call's to report (logged), never an uncaught exception.
  const agents: AgentFactory = (kind, config, host) => {
    const inner = createAgent(kind, config, host);
    const agent: Agent = {
      run(ctx, media, signal) {
        signal.addEventListener('abort', () => { throw new Error('agent bug'); });
        return inner.run(ctx, media, signal);
      },
    };
    return agent;
  };
  const r = await rig('bye', agents);
  const dialog = await r.call('7001');
  await dialog.bye();
  await until(() => r.manager.list().length === 0, 'the call gone');
  const record = await r.record('S-7001');
  assert.equal(record?.data['ended_by'], 'caller');
  assert.equal(record?.data['ended_early'], true, 'the built-in agent heard the abort after the throwing listener');
});
