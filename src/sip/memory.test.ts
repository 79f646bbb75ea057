/**
 * Memory: the parser's header-name caches must not pin the messages they saw. V8 keeps
 * the parent of a sliced string alive, so a cached name cut from a message's text would
 * hold that whole text (up to 64 KiB) for the life of the process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from './parser.ts';
import { rawMessage, requestLines } from './test-messages.ts';
import { heapAfterGc } from '../../test/support/heap.ts';

describe('header-name caches', () => {
  it('do not keep parsed messages alive', () => {
    const filler = Array.from({ length: 8 }, (_, i) => `X-Filler-${i}: ${'x'.repeat(7000)}`);
    const parseMany = (round: number): void => {
      for (let i = 0; i < 100; i++) {
        const r = parseMessage(rawMessage([...requestLines(), `X-Unique-Name-${round}-${i}: 1`, ...filler]));
        assert.equal(r.ok, true);
      }
    };
    parseMany(0); // warm up code and caches of the fixed names
    const before = heapAfterGc();
    parseMany(1); // 100 unique names, each cut from a 56 KB message
    const grown = heapAfterGc() - before;
    assert.ok(grown < 2_000_000, `heap grew by ${grown} bytes after parsing 100 messages of 56 KB`);
  });
});
