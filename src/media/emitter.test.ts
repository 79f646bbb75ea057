import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedEmitter } from './emitter.ts';

interface Events {
  pair: (a: number, b: string) => void;
}

class Source extends TypedEmitter<Events> {
  readonly errors: unknown[] = [];
  fire(a: number, b: string, fast: boolean): void {
    if (fast) this.emit2('pair', a, b);
    else this.emit('pair', a, b);
  }
  protected override onListenerError(error: unknown): void {
    this.errors.push(error);
  }
}

for (const fast of [false, true]) {
  test(`${fast ? 'emit2' : 'emit'} calls every listener in order with both arguments, past one that throws`, () => {
    const s = new Source();
    const seen: string[] = [];
    const first = (a: number, b: string): void => void seen.push(`1:${a}${b}`);
    s.on('pair', first);
    s.on('pair', () => {
      throw new Error('boom');
    });
    s.on('pair', (a, b) => void seen.push(`3:${a}${b}`));
    s.fire(7, 'x', fast);
    assert.deepEqual(seen, ['1:7x', '3:7x']);
    assert.equal(s.errors.length, 1);
    s.off('pair', first);
    s.fire(8, 'y', fast);
    assert.deepEqual(seen.slice(2), ['3:8y']);
  });
}
