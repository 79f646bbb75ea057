import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpInbound } from './rtp-inbound.ts';
import { RtpOutbound } from './rtp-outbound.ts';
import { reportInput } from './rtp-session-stats.ts';

function halves(): { outbound: RtpOutbound; inbound: RtpInbound } {
  const codec = { name: 'PCMU' as const, pt: 0 };
  const outbound = new RtpOutbound({ codec, telephoneEventPt: 101, ssrc: 1, initialSeq: 0, initialTimestamp: 0xfffff000 });
  for (let tick = 10; tick < 13; tick++) {
    outbound.build(tick);
    outbound.markSent();
  }
  return { outbound, inbound: new RtpInbound({ codec, telephoneEventPt: 101, onDigit: () => undefined }) };
}

test('the SR\'s RTP timestamp is the one of the report\'s own time, also when ticks run ahead of their due time (RFC 3550 §6.4.1)', () => {
  const { outbound, inbound } = halves();
  const at = (sinceDueMs?: number): number | undefined => reportInput(outbound, inbound, true, 12, 1_700_000_000_000, 5000, sinceDueMs).sender?.rtpTimestamp;
  const tick12 = (0xfffff000 + 2 * 160) >>> 0;
  assert.equal(at(), tick12, 'made as the tick is due: the tick\'s timestamp');
  assert.equal(at(-20), (tick12 - 160) >>> 0, 'made a period before its tick is due (a pacer\'s lead): 160 samples earlier');
  assert.equal(at(2.5), tick12 + 20, '2.5 ms after: 20 samples later');
  assert.equal(at(800), tick12 + 6400 - 2 ** 32, 'wraps past 2^32 as RTP timestamps do');
  assert.equal(reportInput(outbound, inbound, false, 12, 0, 0).sender, undefined, 'no sender part while not sending');
});
