import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../obs/index.ts';
import type { CallRecord, Store } from '../store/index.ts';
import { ManualClock } from '../transaction/index.ts';
import { CdrWriter } from './cdr.ts';

/** A store whose putCall records what it got and settles when told (or at once). */
function fakeStore(manual = false) {
  const puts: CallRecord[] = [];
  const pending: Array<() => void> = [];
  const store = {
    putCall: (r: CallRecord) => {
      puts.push({ ...r });
      return manual ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve();
    },
  } as unknown as Store;
  return { store, puts, settle: () => pending.shift()?.() };
}

const logger = (): Logger => ({ warn: () => undefined }) as unknown as Logger;
const first: CallRecord = { id: 'c1', sipCallId: 'x', trunk: 't', from: 'a', to: 'b', direction: 'inbound', outcome: 'received', startedAt: 1 };
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('coalesces the first version and the updates of delayMs into one write', async () => {
  const clock = new ManualClock();
  const { store, puts } = fakeStore();
  const cdr = new CdrWriter(store, logger, { clock, delayMs: 1000 });
  cdr.start(first);
  cdr.update('c1', { outcome: 'ringing' });
  cdr.update('c1', { outcome: 'answered', answerCode: 200 });
  await turn();
  assert.equal(puts.length, 0, 'nothing before the delay');
  clock.advance(1000);
  await turn();
  assert.deepEqual(puts.map((p) => p.outcome), ['answered']);
  cdr.update('c1', { outcome: 'handoff', endedAt: 5 });
  await cdr.flush();
  assert.equal(puts.length, 2, 'the end is written by the flush, without waiting');
  assert.equal(puts[1]?.outcome, 'handoff');
  assert.equal(clock.scheduled, 0);
});

test('a call shorter than the delay costs one write, at its end', async () => {
  const clock = new ManualClock();
  const { store, puts } = fakeStore();
  const cdr = new CdrWriter(store, logger, { clock });
  cdr.start(first);
  cdr.update('c1', { outcome: 'answered' });
  cdr.update('c1', { outcome: 'contained', endedAt: 9 });
  await cdr.flush();
  assert.deepEqual(puts.map((p) => p.outcome), ['contained']);
});

test('with delayMs 0 every change is written in order, one write in flight at a time', async () => {
  const clock = new ManualClock();
  const { store, puts, settle } = fakeStore(true);
  const cdr = new CdrWriter(store, logger, { clock, delayMs: 0 });
  cdr.start(first);
  cdr.update('c1', { outcome: 'answered' }); // in flight: picked up by the same drain
  settle();
  await turn();
  settle();
  await cdr.flush();
  assert.deepEqual(puts.map((p) => p.outcome), ['received', 'answered']);
});

test('every record written has one key order, whatever the order of the patches (one hidden class)', async () => {
  const keysOf = async (patches: Array<Parameters<CdrWriter['update']>[1]>): Promise<string[]> => {
    const clock = new ManualClock();
    const { store, puts } = fakeStore();
    const cdr = new CdrWriter(store, logger, { clock, delayMs: 0 });
    cdr.start({ ...first });
    for (const p of patches) cdr.update('c1', p);
    await cdr.flush();
    return Object.keys(puts.at(-1) ?? {});
  };
  const a = await keysOf([{ tenantId: 't', outcome: 'ringing' }, { answerCode: 200, answeredAt: 2 }, { media: {}, endedAt: 3 }]);
  const b = await keysOf([{ endedAt: 3, media: {} }, { sharedId: 's', answeredAt: 2, answerCode: 200 }]);
  assert.deepEqual(a, b);
  assert.equal(a[0], 'id');
});

test('start copies the record: the caller\'s object is never changed', async () => {
  const clock = new ManualClock();
  const { store, puts } = fakeStore();
  const cdr = new CdrWriter(store, logger, { clock });
  const mine = { ...first };
  cdr.start(mine);
  cdr.update('c1', { outcome: 'answered', answerCode: 200 });
  await cdr.flush();
  assert.deepEqual(mine, first);
  assert.equal(puts[0]?.outcome, 'answered');
  assert.equal(puts[0]?.answerCode, 200);
});
