/**
 * The end of a call: the handoff record is made durable before anything is handed back
 * (store retried with backoff on a driven clock, then the spool file), the BYE or REFER
 * choice, and the spool itself (fsynced JSON lines, background offers, replay at start).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, Metrics } from '../obs/index.ts';
import { openSqliteStore, StoreError, type HandoffRecord, type Store } from '../store/index.ts';
import { ManualClock } from '../transaction/index.ts';
import { commitHandoff, HANDOFF_RETRY_DELAYS_MS } from './ending.ts';
import { HandoffSpool } from './spool.ts';
import { referUri, userToUser } from './transfer.ts';

const logger = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'agentline-ending-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(id: string, expiresAt = Date.now() + 60_000): HandoffRecord {
  return { id, tenantId: 't', agentId: 'a', sharedId: `S-${id}`, data: { contained: false, destination: 'billing' }, createdAt: 1, expiresAt };
}

/** A store whose putHandoff answers from a script: 'ok', or a StoreError code to throw. */
function scriptedStore(script: Array<'ok' | 'store_unavailable' | 'conflict' | 'invalid' | 'hang'>) {
  const calls: string[] = [];
  const stored: HandoffRecord[] = [];
  const store = {
    putHandoff(r: HandoffRecord): Promise<void> {
      const step = script[calls.length] ?? script[script.length - 1] ?? 'ok';
      calls.push(step);
      if (step === 'ok') {
        stored.push(r);
        return Promise.resolve();
      }
      if (step === 'hang') return new Promise(() => {});
      return Promise.reject(new StoreError(step, `scripted [step:${step}]`));
    },
  } as unknown as Store;
  return { store, calls, stored };
}

/** Runs `p` while driving `clock` until it settles. */
async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 50, maxMs = 60_000): Promise<T> {
  let done = false;
  const out = p.finally(() => { done = true; });
  for (let t = 0; !done && t < maxMs; t += stepMs) {
    await new Promise((r) => setImmediate(r));
    clock.advance(stepMs);
  }
  return out;
}

describe('commitHandoff: the record before the BYE', () => {
  test('first try succeeds: stored, no waiting', async () => {
    const s = scriptedStore(['ok']);
    const clock = new ManualClock();
    assert.equal(await commitHandoff(record('r1'), { store: s.store, clock, metrics: new Metrics(), logger }), 'stored');
    assert.equal(clock.now(), 0);
  });

  test('two failures then success: retried after 200 and 400 ms', async () => {
    const s = scriptedStore(['store_unavailable', 'store_unavailable', 'ok']);
    const clock = new ManualClock();
    const result = await drive(clock, commitHandoff(record('r2'), { store: s.store, clock, metrics: new Metrics(), logger }), 10);
    assert.equal(result, 'stored');
    assert.equal(s.calls.length, 3);
    assert.ok(clock.now() >= 600 && clock.now() < 700, `at ${clock.now()}`);
  });

  test('a try that fails but did commit: the retry sees conflict and counts it stored', async () => {
    const s = scriptedStore(['store_unavailable', 'conflict']);
    const clock = new ManualClock();
    assert.equal(await drive(clock, commitHandoff(record('r3'), { store: s.store, clock, metrics: new Metrics(), logger })), 'stored');
  });

  test('five failures over about 3 s: the record is spooled to the file before returning', async () => {
    const s = scriptedStore(['store_unavailable']);
    const clock = new ManualClock();
    const path = join(dir, 'spool-a.jsonl');
    const spool = new HandoffSpool({ store: s.store, clock, logger, path });
    const result = await drive(clock, commitHandoff(record('r4'), { store: s.store, clock, metrics: new Metrics(), logger, spool }));
    assert.equal(result, 'spooled');
    assert.equal(s.calls.length, 5);
    assert.equal(HANDOFF_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0), 3000);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal((JSON.parse(lines[0] ?? '{}') as HandoffRecord).id, 'r4');
    assert.equal(spool.pending, 1);
    spool.close();
  });

  test('a store that hangs: each try times out, then the spool', async () => {
    const s = scriptedStore(['hang']);
    const clock = new ManualClock();
    const spool = new HandoffSpool({ store: s.store, clock, logger });
    const result = await drive(clock, commitHandoff(record('r5'), { store: s.store, clock, metrics: new Metrics(), logger, spool, attemptTimeoutMs: 500 }));
    assert.equal(result, 'memory');
    assert.equal(s.calls.length, 5);
    spool.close();
  });

  test('an invalid record is not retried (it cannot succeed) and reported lost', async () => {
    const s = scriptedStore(['invalid']);
    const clock = new ManualClock();
    assert.equal(await commitHandoff(record('r6'), { store: s.store, clock, metrics: new Metrics(), logger }), 'lost');
    assert.equal(s.calls.length, 1);
  });
});

describe('the spool', () => {
  test('offers its records to the store in the background and empties the file', async () => {
    const s = scriptedStore(['store_unavailable', 'ok']);
    const clock = new ManualClock();
    const path = join(dir, 'spool-b.jsonl');
    const spool = new HandoffSpool({ store: s.store, clock, logger, path, retryMs: 1000 });
    assert.equal(spool.keep(record('b1')), true);
    await drive(clock, (async () => { while (s.stored.length === 0) await new Promise((r) => setImmediate(r)); })(), 500);
    await new Promise((r) => setImmediate(r));
    assert.equal(s.stored[0]?.id, 'b1');
    assert.equal(spool.pending, 0);
    assert.equal(readFileSync(path, 'utf8'), '');
    spool.close();
  });

  test('replay at start: writes what a previous process left, skips a torn line, drops expired and already stored', async () => {
    const path = join(dir, 'spool-c.jsonl');
    const lines = [JSON.stringify(record('c1')), JSON.stringify(record('c2', 1)), JSON.stringify(record('c3')), '{"id":"c4","tenan'];
    writeFileSync(path, `${lines.join('\n')}`);
    const s = scriptedStore(['ok', 'conflict']);
    const spool = new HandoffSpool({ store: s.store, clock: new ManualClock(), logger, path });
    const result = await spool.replay();
    assert.deepEqual(result, { written: 1, pending: 0 });
    assert.deepEqual(s.stored.map((r) => r.id), ['c1']);
    assert.equal(readFileSync(path, 'utf8'), '');
    spool.close();
  });

  test('a spooled record replays into a real SQLite store, readable by its shared id', async () => {
    const path = join(dir, 'spool-e.jsonl');
    const first = new HandoffSpool({ store: scriptedStore(['store_unavailable']).store, clock: new ManualClock(), logger, path });
    first.keep(record('e1'));
    first.close();
    const store = openSqliteStore({ path: ':memory:' });
    try {
      const next = new HandoffSpool({ store, clock: new ManualClock(), logger, path });
      assert.deepEqual(await next.replay(), { written: 1, pending: 0 });
      const back = await store.getHandoffBySharedId('t', 'S-e1');
      assert.deepEqual(back?.data, { contained: false, destination: 'billing' });
      next.close();
    } finally {
      await store.close();
    }
  });

  test('records the store still refuses stay in the file for the next start', async () => {
    const path = join(dir, 'spool-d.jsonl');
    writeFileSync(path, `${JSON.stringify(record('d1'))}\n`);
    const s = scriptedStore(['store_unavailable']);
    const spool = new HandoffSpool({ store: s.store, clock: new ManualClock(), logger, path });
    assert.deepEqual(await spool.replay(), { written: 0, pending: 1 });
    assert.match(readFileSync(path, 'utf8'), /"id":"d1"/);
    spool.close();
  });
});

describe('REFER values', () => {
  test('Refer-To from the trunk template, values %-escaped', () => {
    const vars = { destination: 'billing', conversationId: 'c-1' };
    assert.equal(referUri('sip:{destination}@cc.example.com', vars), 'sip:billing@cc.example.com');
    assert.equal(referUri('sip:{destination}@cc.example.com;transport=tcp?X-Conv={conversationId}', vars), 'sip:billing@cc.example.com;transport=tcp?X-Conv=c-1');
    assert.equal(referUri('sip:{destination}@cc', { destination: 'a b@c', conversationId: 'x' }), 'sip:a%20b%40c@cc');
  });

  test('User-to-User is hex with encoding=hex (RFC 7433)', () => {
    assert.equal(userToUser('ab'), '6162;encoding=hex');
  });
});
