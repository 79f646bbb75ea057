import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newConversationId, UuidV7Source } from './conversation-id.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit Unix ms of a UUIDv7 (RFC 9562 §5.7). */
const timeOf = (id: string): number => parseInt(id.replaceAll('-', '').slice(0, 12), 16);

test('a UUID of version 7 and variant 10 carrying the time in ms', () => {
  const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
  const id = new UuidV7Source().next(at);
  assert.match(id, V7);
  assert.equal(timeOf(id), at);
  assert.match(newConversationId(), V7);
  assert.ok(Math.abs(timeOf(newConversationId()) - Date.now()) < 1000);
});

test('ids sort in the order they were made: within one ms, across ms, and when the clock steps back', () => {
  const ids = new UuidV7Source();
  const made: string[] = [];
  const at = 1_700_000_000_000;
  for (let i = 0; i < 5000; i++) made.push(ids.next(at)); // more than the 12-bit counter holds
  for (let i = 0; i < 100; i++) made.push(ids.next(at + 1 + Math.floor(i / 10)));
  for (let i = 0; i < 100; i++) made.push(ids.next(at - 5000)); // the clock went back
  assert.deepEqual([...made].sort(), made);
  assert.equal(new Set(made).size, made.length);
  assert.ok(timeOf(made[0] as string) === at && timeOf(made[4999] as string) <= at + 3, 'the counter running out moves the time by little');
});

test('the random part differs between ids of the same ms', () => {
  const ids = new UuidV7Source();
  const tails = new Set(Array.from({ length: 1000 }, () => ids.next(42).slice(19)));
  assert.equal(tails.size, 1000);
});
