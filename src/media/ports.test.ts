import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortAllocator, ephemeralPorts } from './ports.ts';
import { MediaError } from './errors.ts';

const isCode = (code: string) => (e: unknown) => e instanceof MediaError && e.code === code;

test('hands out even ports with room for RTCP, then runs out with a typed error', () => {
  const ports = new PortAllocator(10001, 10006); // pairs 10002/3 and 10004/5
  assert.equal(ports.size, 2);
  const a = ports.allocate();
  const b = ports.allocate();
  assert.deepEqual([a, b], [10002, 10004]);
  assert.equal(ports.inUse, 2);
  assert.throws(() => ports.allocate(), isCode('media_ports_exhausted'));
  ports.release(a);
  assert.equal(ports.allocate(), a);
});

test('round-robin: a freed port is reused last', () => {
  const ports = new PortAllocator(20000, 20009);
  const first = ports.allocate();
  ports.release(first);
  const seen = [ports.allocate(), ports.allocate(), ports.allocate(), ports.allocate(), ports.allocate()];
  assert.deepEqual(seen, [20002, 20004, 20006, 20008, 20000]);
});

test('release is idempotent and ignores foreign ports', () => {
  const ports = new PortAllocator(30000, 30003);
  const p = ports.allocate();
  assert.equal(ports.isAllocated(p), true);
  ports.release(p);
  ports.release(p);
  ports.release(30001);
  ports.release(12);
  assert.equal(ports.inUse, 0);
  assert.equal(ports.isAllocated(p), false);
});

test('ranges without a pair are rejected', () => {
  assert.throws(() => new PortAllocator(10000, 10000), isCode('media_invalid_argument'));
  assert.throws(() => new PortAllocator(80, 90), isCode('media_invalid_argument'));
  assert.throws(() => new PortAllocator(65535, 65535), isCode('media_invalid_argument'));
  assert.equal(new PortAllocator(10000, 10001).size, 1);
  assert.equal(new PortAllocator(65534, 65535).size, 1);
});

test('ephemeral source asks the OS to pick', () => {
  assert.equal(ephemeralPorts.allocate(), 0);
  ephemeralPorts.release(0);
});
