import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerLists } from './timer-lists.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

describe('TimerLists (the timers of systemClock)', () => {
  it('fires each timer once, never before its time, in order within a duration', async () => {
    const timers = new TimerLists();
    const fired: Array<{ name: string; late: number }> = [];
    const set = (name: string, ms: number): void => {
      const at = performance.now() + ms;
      timers.setTimer(ms, () => fired.push({ name, late: performance.now() - at }));
    };
    set('a20', 20);
    set('b5', 5);
    await sleep(2);
    set('c20', 20);
    set('d5', 5);
    set('e0', 0);
    await sleep(60);
    assert.deepEqual(fired.map((f) => f.name).sort(), ['a20', 'b5', 'c20', 'd5', 'e0']);
    for (const f of fired) assert.ok(f.late >= 0, `${f.name} fired ${-f.late} ms early`);
    const order = fired.map((f) => f.name);
    assert.ok(order.indexOf('a20') < order.indexOf('c20') && order.indexOf('b5') < order.indexOf('d5'), order.join());
    assert.equal(timers.pending, 0);
  });

  it('cancels a timer anywhere in its list, and the rest still fire', async () => {
    const timers = new TimerLists();
    const fired: number[] = [];
    const handles = [0, 1, 2, 3, 4].map((i) => timers.setTimer(10, () => fired.push(i)));
    handles[0]?.cancel(); // the head the list's Node timer was armed for
    handles[2]?.cancel();
    handles[4]?.cancel(); // the tail
    handles[2]?.cancel(); // twice: nothing
    assert.equal(timers.pending, 2);
    await sleep(40);
    assert.deepEqual(fired, [1, 3]);
    handles[1]?.cancel(); // after it fired: nothing
    assert.equal(timers.pending, 0);
  });

  it('takes timers set by a firing callback, and timers set after a list emptied', async () => {
    const timers = new TimerLists();
    const fired: string[] = [];
    timers.setTimer(5, () => {
      fired.push('first');
      timers.setTimer(5, () => fired.push('chained'));
    });
    await sleep(40);
    assert.deepEqual(fired, ['first', 'chained']);
    timers.setTimer(5, () => fired.push('later')).cancel();
    timers.setTimer(5, () => fired.push('again'));
    await sleep(30);
    assert.deepEqual(fired, ['first', 'chained', 'again']);
  });

  it('keeps a timer longer than Node allows (24.8 days) pending instead of firing it at once', async () => {
    const timers = new TimerLists();
    let fired = false;
    const handle = timers.setTimer(40 * 86_400_000, () => { fired = true; });
    await sleep(20);
    assert.equal(fired, false);
    assert.equal(timers.pending, 1);
    handle.cancel();
  });

  it('lets go of a cancelled callback at once', () => {
    const timers = new TimerLists();
    const handle = timers.setTimer(60_000, () => undefined) as unknown as { fn: unknown; list: unknown; cancel(): void };
    handle.cancel();
    assert.equal(handle.fn, undefined, 'what the callback holds is free');
    assert.equal(handle.list, undefined, 'unlinked');
    assert.equal(timers.pending, 0);
  });

  it('never holds the process open', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { TimerLists } from ${JSON.stringify(new URL('./timer-lists.ts', import.meta.url).href)};
      new TimerLists().setTimer(60_000, () => console.log('fired'));`;
    // Held open, the child would wait the minute and print; spawnSync kills it at 20 s (status null).
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
});
