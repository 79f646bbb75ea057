import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandFor, type BenchCommand } from './gateway-process.ts';

test('stdin commands: only those the bench added, never what Object.prototype has', () => {
  const steps: BenchCommand = () => undefined;
  const commands = { steps };
  assert.equal(commandFor(commands, 'steps'), steps);
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'stats']) {
    assert.equal(commandFor(commands, name), undefined, name);
  }
  assert.equal(commandFor(undefined, 'steps'), undefined);
});
