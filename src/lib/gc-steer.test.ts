import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScavengeSteer, type YoungSpace } from './gc-steer.ts';

const MIB = 1024 * 1024;

/** A young generation that fills by hand and empties (to `survivors`) on a scavenge that takes `pauseMs`. */
class FakeYoung {
  time = 0;
  used = 0;
  capacity = 32 * MIB;
  survivors = MIB / 2;
  pauseMs = 1;
  scavenged: number[] = [];
  /** No minimum interval unless asked: the other rules are tested on their own. */
  steer(options: { budgetBytes?: number; minIntervalMs?: number } = {}): ScavengeSteer {
    return new ScavengeSteer({
      minIntervalMs: 0,
      ...options,
      now: () => this.time,
      young: (): YoungSpace => ({ used: this.used, available: this.capacity - this.used }),
      scavenge: () => {
        this.scavenged.push(this.time);
        this.time += this.pauseMs;
        this.used = this.survivors;
      },
    });
  }
}

test('no scavenge below the budget, one in the first slack after it is reached', () => {
  const young = new FakeYoung();
  const steer = young.steer({ budgetBytes: 4 * MIB });
  for (let tick = 0; tick < 11; tick++) {
    young.time = tick * 20;
    young.used += MIB / 2; // 0.5 MiB a tick: 4 MiB at tick 7, then 0.5 + 4 × 0.5 at tick 11
    steer.afterTick(15, 20);
  }
  assert.deepEqual(young.scavenged, [140]);
  assert.equal(steer.stats.scavenges, 1);
  assert.equal(steer.stats.noRoom, 0);
});

test('a scavenge whose estimated pause does not fit the slack waits for one that does', () => {
  const young = new FakeYoung();
  const steer = young.steer({ budgetBytes: 8 * MIB });
  young.used = 10 * MIB; // the first estimate, 0.5 ms a MiB with a margin: 6 ms
  young.time = 0;
  steer.afterTick(5, 20);
  young.time = 20;
  steer.afterTick(3, 20);
  assert.deepEqual(young.scavenged, []);
  assert.equal(steer.stats.noRoom, 2);
  young.time = 40;
  steer.afterTick(7, 20);
  assert.deepEqual(young.scavenged, [40]);
});

test('the estimate learns from the pauses measured: slower scavenges need more slack', () => {
  const young = new FakeYoung();
  const steer = young.steer({ budgetBytes: 8 * MIB });
  young.pauseMs = 10; // 1.25 ms a MiB at 8 MiB, not the first guess of 0.5
  for (let i = 0; i < 10; i++) {
    young.used = 8 * MIB;
    young.time = i * 100;
    steer.afterTick(50, 20);
  }
  assert.equal(steer.stats.scavenges, 10);
  assert.ok(Math.abs(steer.stats.msPerMiB - 1.25) < 0.05, `msPerMiB ${steer.stats.msPerMiB}`);
  // 8 MiB now needs about 12 ms with the margin: 10 ms of slack is no longer room.
  young.used = 8 * MIB;
  young.time = 2000;
  steer.afterTick(10, 20);
  assert.equal(steer.stats.scavenges, 10);
  assert.equal(steer.stats.noRoom, 1);
});

test('an estimate gone long scavenges smaller pieces, as the slack allows, and learns back to the budget', () => {
  const young = new FakeYoung();
  const steer = young.steer({ budgetBytes: 8 * MIB });
  young.pauseMs = 20; // a slow start: 2.5 ms a MiB
  for (let i = 0; i < 12; i++) {
    young.time += 100;
    young.used = 8 * MIB;
    steer.afterTick(60, 20);
  }
  assert.ok(steer.stats.msPerMiB > 2.4, `msPerMiB ${steer.stats.msPerMiB}`);
  // Now fast, 0.25 ms a MiB; 12 ms of slack a tick: 8 MiB would need 24 ms by the old estimate.
  young.pauseMs = 2;
  const fills: number[] = [];
  const scavenge = young.scavenged.length;
  for (let tick = 0; tick < 200; tick++) {
    young.time += 20;
    young.used += MIB / 2;
    const before = young.used;
    steer.afterTick(12, 20);
    if (young.scavenged.length > scavenge + fills.length) fills.push(before / MIB);
  }
  // 12 ms absorbs about 4 MiB at 2.5 ms a MiB with the margin: the first comes a tick or two before.
  assert.ok(fills[0]! >= 3 && fills[0]! <= 4, `first at ${fills[0]} MiB`);
  assert.equal(fills.at(-1), 8, 'back at the budget once the estimate learnt');
  assert.equal(steer.stats.noRoom, 0);
});

test('below the budget, a young generation about to reach V8\'s trigger is scavenged first', () => {
  const young = new FakeYoung();
  young.capacity = 8 * MIB; // trigger at 80 %: 6.4 MiB
  const steer = young.steer({ budgetBytes: 64 * MIB });
  const fills = [4, 4.5, 5, 5.5]; // 0.5 MiB a tick: 5.5 + 2 × 0.5 = 6.5 MiB two ticks on
  for (let tick = 0; tick < fills.length; tick++) {
    young.time = tick * 20;
    young.used = fills[tick]! * MIB;
    steer.afterTick(15, 20);
  }
  assert.deepEqual(young.scavenged, [60]);
});

test('V8\'s own scavenge (the fill dropping) is not read as a rate: the trigger rule still sees the growth', () => {
  const young = new FakeYoung();
  young.capacity = 8 * MIB; // trigger at 6.4 MiB
  const steer = young.steer({ budgetBytes: 64 * MIB });
  young.used = 6 * MIB;
  steer.afterTick(15, 20);
  young.used = MIB / 2; // V8 scavenged between the ticks: as a rate, -0.275 MiB/ms
  for (let tick = 1; tick <= 10; tick++) {
    young.time = tick * 20;
    young.used += MIB / 2;
    steer.afterTick(15, 20);
  }
  // 0.5 MiB a tick: at 5.5 MiB (tick 10) the fill two ticks on passes the trigger.
  assert.deepEqual(young.scavenged, [200]);
});

test('the budget and the slack wait for the minimum interval after any scavenge; the trigger rule does not', () => {
  const young = new FakeYoung();
  young.capacity = 64 * MIB; // trigger at 51.2 MiB
  young.pauseMs = 0;
  const steer = young.steer({ budgetBytes: 4 * MIB, minIntervalMs: 500 });
  // 1 MiB a tick of 20 ms, as at about 1,000 short calls a second.
  const tickUntil = (ms: number): void => {
    while (young.time < ms) {
      young.time += 20;
      young.used += MIB;
      steer.afterTick(15, 20);
    }
  };
  tickUntil(1000);
  // The first at the budget (tick 4: 80 ms); then every 500 ms, not every 4 MiB.
  assert.deepEqual(young.scavenged, [80, 580]);
  // V8 scavenges on its own (the fill drops): the interval starts again from there.
  young.used = MIB / 2;
  young.time = 1010;
  steer.afterTick(15, 20);
  tickUntil(1500);
  assert.deepEqual(young.scavenged, [80, 580, 1510], 'nothing within 500 ms of V8\'s scavenge at 1010');
  // Near V8's trigger the interval does not hold: the scavenge V8 would run comes in the slack.
  young.used = 50 * MIB;
  young.time = 1530;
  steer.afterTick(15, 20);
  assert.deepEqual(young.scavenged, [80, 580, 1510, 1530]);
});

test('fromProcess gives a steer only when V8\'s gc is exposed', () => {
  const saved = (globalThis as { gc?: unknown }).gc;
  try {
    let calls = 0;
    (globalThis as { gc?: unknown }).gc = () => void calls++;
    assert.ok(ScavengeSteer.fromProcess() instanceof ScavengeSteer);
    delete (globalThis as { gc?: unknown }).gc;
    assert.equal(ScavengeSteer.fromProcess(), undefined);
    assert.equal(calls, 0);
  } finally {
    if (saved !== undefined) (globalThis as { gc?: unknown }).gc = saved;
  }
});
