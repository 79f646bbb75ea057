import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TelephoneEvent,
  decodeTelephoneEvent,
  dtmfDigit,
  dtmfEventCode,
  encodeTelephoneEvent,
  parseInfoDtmf,
} from './dtmf.ts';
import { DtmfReceiver } from './dtmf-receiver.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import { DtmfPacket, DtmfSender } from './dtmf-sender.ts';
import { MediaError } from './errors.ts';

function pkt(event: number, end: boolean, duration: number, volume = 10): Uint8Array {
  const b = new Uint8Array(4);
  encodeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

function receiver(timeoutMs = 500): { rx: DtmfReceiver; got: DtmfEvent[] } {
  const got: DtmfEvent[] = [];
  return { rx: new DtmfReceiver({ onDigit: (e) => got.push(e), timeoutMs }), got };
}

test('payload codec (RFC 4733 §2.3)', () => {
  const b = pkt(11, true, 800, 10);
  assert.equal(Buffer.from(b).toString('hex'), '0b8a0320');
  const te = new TelephoneEvent();
  assert.equal(decodeTelephoneEvent(b, 0, 4, te), true);
  assert.deepEqual({ ...te }, { event: 11, end: true, volume: 10, duration: 800 });
  assert.equal(decodeTelephoneEvent(b, 0, 3, te), false);
  encodeTelephoneEvent(b, 0, 1, false, 99, 1e6); // clamped
  assert.equal(Buffer.from(b).toString('hex'), '013fffff');
});

test('digit mapping', () => {
  assert.equal(dtmfEventCode('*'), 10);
  assert.equal(dtmfEventCode('#'), 11);
  assert.equal(dtmfEventCode('d'), 15);
  assert.equal(dtmfEventCode('x'), -1);
  assert.equal(dtmfEventCode('12'), -1);
  assert.equal(dtmfDigit(12), 'A');
  assert.equal(dtmfDigit(16), undefined);
});

test('one digit with three end packets is reported exactly once', () => {
  const { rx, got } = receiver();
  const ts = 1000;
  rx.push(pkt(5, false, 160), 0, 4, ts, 0);
  rx.push(pkt(5, false, 320), 0, 4, ts, 20);
  assert.equal(rx.inProgress, true);
  for (let i = 0; i < 3; i++) rx.push(pkt(5, true, 800), 0, 4, ts, 100 + i * 20);
  rx.push(pkt(5, false, 480), 0, 4, ts, 200); // late update of the reported event
  rx.poll(10_000);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], { digit: '5', event: 5, timestamp: ts, durationMs: 100, volume: 10, endedBy: 'end' });
});

test('same digit twice: new timestamp = new event', () => {
  const { rx, got } = receiver();
  for (const ts of [1000, 3000]) {
    rx.push(pkt(1, false, 160), 0, 4, ts, ts / 8);
    for (let i = 0; i < 3; i++) rx.push(pkt(1, true, 640), 0, 4, ts, ts / 8 + 80);
  }
  assert.deepEqual(got.map((e) => e.digit), ['1', '1']);
});

test('lost end packets: ended by the next event, or by the timeout', () => {
  const { rx, got } = receiver(500);
  rx.push(pkt(2, false, 160), 0, 4, 1000, 0);
  rx.push(pkt(2, false, 320), 0, 4, 1000, 20);
  rx.push(pkt(3, false, 160), 0, 4, 2000, 200); // newer timestamp ends '2'
  assert.deepEqual(got.map((e) => [e.digit, e.endedBy, e.durationMs]), [['2', 'next', 40]]);
  rx.poll(600); // 400 ms after the last '3' packet: still open
  assert.equal(got.length, 1);
  rx.poll(700);
  assert.deepEqual(got.map((e) => [e.digit, e.endedBy]), [['2', 'next'], ['3', 'timeout']]);
  rx.push(pkt(3, true, 800), 0, 4, 2000, 720); // its end packet, too late: not reported twice
  assert.equal(got.length, 2);
});

test('only end packets arrive: reported on the first', () => {
  const { rx, got } = receiver();
  for (let i = 0; i < 3; i++) rx.push(pkt(10, true, 800), 0, 4, 5000, i * 20);
  assert.deepEqual(got.map((e) => e.digit), ['*']);
});

test('stragglers from an older event are ignored', () => {
  const { rx, got } = receiver();
  rx.push(pkt(4, true, 800), 0, 4, 1000, 0);
  rx.push(pkt(6, true, 800), 0, 4, 3000, 100);
  rx.push(pkt(4, false, 320), 0, 4, 1000, 120); // reordered, older timestamp
  assert.deepEqual(got.map((e) => e.digit), ['4', '6']);
});

test('timestamps across the 32-bit wrap', () => {
  const { rx, got } = receiver();
  rx.push(pkt(7, true, 800), 0, 4, 0xffffff00, 0);
  rx.push(pkt(8, true, 800), 0, 4, 0x00000400, 200);
  assert.deepEqual(got.map((e) => e.digit), ['7', '8']);
});

test('a long event in segments (RFC 4733 §2.5.1.3) is one digit', () => {
  const { rx, got } = receiver();
  rx.push(pkt(9, false, 0xffff), 0, 4, 10_000, 0);
  rx.push(pkt(9, false, 800), 0, 4, 10_000 + 0xffff, 20);
  rx.push(pkt(9, true, 1600), 0, 4, 10_000 + 0xffff, 40);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.durationMs, ((0xffff + 1600) * 1000) / 8000);
  assert.equal(got[0]?.timestamp, 10_000);
});

test('non-DTMF events and short payloads are rejected', () => {
  const { rx, got } = receiver();
  assert.equal(rx.push(pkt(16, true, 800), 0, 4, 1, 0), false);
  assert.equal(rx.push(new Uint8Array(3), 0, 3, 1, 0), false);
  assert.equal(got.length, 0);
});

test('sender: start packets every interval, three ends, marker on the first, then a gap', () => {
  const tx = new DtmfSender({ durationMs: 100, gapMs: 40 });
  tx.enqueue('5#');
  const out = new DtmfPacket();
  const te = new TelephoneEvent();
  const seen: string[] = [];
  let ts = 8000;
  for (let tick = 0; tick < 20; tick++, ts += 160) {
    if (!tx.next(ts, out)) {
      seen.push('audio');
      continue;
    }
    decodeTelephoneEvent(out.payload, 0, 4, te);
    seen.push(`${out.digit}@${out.timestamp}${out.marker ? 'M' : ''}${te.end ? 'E' : ''}:${te.duration}`);
  }
  assert.deepEqual(seen.slice(0, 10), [
    '5@8000M:160', '5@8000:320', '5@8000:480', '5@8000:640',
    '5@8000E:800', '5@8000E:800', '5@8000E:800',
    'audio', 'audio',
    '#@9440M:160',
  ]);
  assert.equal(seen.filter((s) => s.startsWith('#')).length, 7);
  assert.equal(tx.busy, false);
});

test('sender → receiver loop reports each digit once', () => {
  const tx = new DtmfSender({ durationMs: 60, gapMs: 20 });
  tx.enqueue('123*#ABCD0');
  const { rx, got } = receiver();
  const out = new DtmfPacket();
  for (let tick = 0; tx.busy; tick++) {
    if (tx.next(tick * 160, out)) rx.push(out.payload, 0, 4, out.timestamp, tick * 20);
  }
  assert.equal(got.map((e) => e.digit).join(''), '123*#ABCD0');
  assert.ok(got.every((e) => e.endedBy === 'end' && e.durationMs === 60));
});

test('sender: short digit is a marked end packet; invalid digit throws a typed error', () => {
  const tx = new DtmfSender();
  tx.enqueue('1', { durationMs: 10 });
  const out = new DtmfPacket();
  assert.equal(tx.next(0, out), true);
  assert.equal(out.marker && out.end, true);
  assert.throws(() => tx.enqueue('12x'), (e: unknown) => e instanceof MediaError && e.code === 'media_invalid_argument');
  tx.clear();
});

test('SIP INFO bodies', () => {
  assert.deepEqual(parseInfoDtmf('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), { digit: '5', durationMs: 160 });
  assert.deepEqual(parseInfoDtmf('Application/DTMF-Relay; charset=x', 'signal = #\nduration= 250'), { digit: '#', durationMs: 250 });
  assert.deepEqual(parseInfoDtmf('application/dtmf-relay', 'Signal=11'), { digit: '#' });
  assert.deepEqual(parseInfoDtmf('application/dtmf-relay', 'Signal=a'), { digit: 'A' });
  assert.equal(parseInfoDtmf('application/dtmf-relay', 'Duration=160'), null);
  assert.equal(parseInfoDtmf('application/dtmf-relay', 'Signal=x'), null);
  assert.deepEqual(parseInfoDtmf('application/dtmf', '10'), { digit: '*' });
  assert.deepEqual(parseInfoDtmf('application/dtmf', ' 7\r\n'), { digit: '7' });
  assert.equal(parseInfoDtmf('application/sdp', 'Signal=5'), null);
});
