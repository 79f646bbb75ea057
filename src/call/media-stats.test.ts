import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RtpSessionStats } from '../media/rtp-session-types.ts';
import { Metrics } from '../obs/index.ts';
import { mediaRecord, RtpMeter } from './media-stats.ts';

const stats: RtpSessionStats = {
  packetsSent: 500, octetsSent: 80000, packetsReceived: 495, octetsReceived: 79200, packetsIgnored: 2, lost: 5, concealed: 7,
  late: 2, duplicate: 1, reordered: 3, jitterMs: 1.23456, dtmfSent: 0, dtmfReceived: 2, latches: 1,
  remote: { fractionLost: 0.015625, cumulativeLost: 1, jitterMs: 0.5 },
};

test('the record’s media field: counters, loss in percent, jitter, the peer’s view, digits and playback', () => {
  const rec = mediaRecord({
    codec: 'PCMA', rtp: stats, recording: '/rec/c.wav',
    handle: { digitsInfo: 1, digitsRtp: 2, digitsDuplicate: 1, playbacks: 3, playbacksCut: 1, bargeIns: 1, playedMs: 4000 },
  });
  assert.equal(rec['codec'], 'PCMA');
  assert.equal(rec['lossPct'], 1);
  assert.equal(rec['jitterMs'], 1.23);
  assert.equal(rec['late'], 2);
  assert.deepEqual(rec['remote'], { fractionLost: 0.02, cumulativeLost: 1, jitterMs: 0.5 });
  assert.deepEqual(rec['digits'], { info: 1, rtp: 2, duplicate: 1 });
  assert.deepEqual(rec['playback'], { queued: 3, cut: 1, bargeIns: 1, playedMs: 4000 });
  assert.equal(rec['recording'], '/rec/c.wav');
  assert.equal(mediaRecord({ codec: 'PCMU', rtp: { ...stats, packetsReceived: 0, lost: 0 } })['lossPct'], 0);
});

test('RTP metrics are fed as deltas, once per report', async () => {
  const metrics = new Metrics();
  const meter = new RtpMeter(metrics);
  meter.report({ ...stats, packetsSent: 50, packetsReceived: 49, lost: 1 });
  meter.finish(stats);
  const text = await metrics.render();
  assert.match(text, /agentline_rtp_packets_total\{direction="out"\} 500/);
  assert.match(text, /agentline_rtp_packets_total\{direction="in"\} 495/);
  assert.match(text, /agentline_rtp_lost_total 5/);
});
