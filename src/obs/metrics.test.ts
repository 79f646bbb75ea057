import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CappedLabel, methodLabel, statusLabel } from './labels.ts';
import { Metrics } from './metrics.ts';

/** The value of one series in the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('labels', () => {
  it('methods: known upper-cased, others -> other', () => {
    assert.equal(methodLabel('invite'), 'INVITE');
    assert.equal(methodLabel('FOO'), 'other');
  });
  it('status: integers in range, else other', () => {
    assert.equal(statusLabel(486), '486');
    assert.equal(statusLabel(99), 'other');
    assert.equal(statusLabel(700), 'other');
    assert.equal(statusLabel(4.5), 'other');
  });
  it('CappedLabel keeps the first N distinct values', () => {
    const l = new CappedLabel(2, 8);
    assert.deepEqual(['a', 'b', 'c', 'a', ''].map((v) => l.value(v)), ['a', 'b', 'other', 'a', 'other']);
    assert.equal(new CappedLabel(5, 8).value('x'.repeat(9)), 'other');
  });
});

describe('Metrics', () => {
  it('each instance has its own registry', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.handoffRecord();
    assert.equal(sample(await a.render(), 'agentline_handoff_records_total'), 1);
    assert.equal(sample(await b.render(), 'agentline_handoff_records_total'), 0);
    assert.match(a.contentType, /^text\/plain/);
  });
  it('calls: gauge and outcome counter, never below zero', async () => {
    const m = new Metrics();
    m.callStarted();
    m.callStarted();
    m.callEnded('contained');
    m.callRejected();
    let text = await m.render();
    assert.equal(sample(text, 'agentline_active_calls'), 1);
    assert.equal(sample(text, 'agentline_calls_total{outcome="contained"}'), 1);
    assert.equal(sample(text, 'agentline_calls_total{outcome="rejected"}'), 1);
    m.callEnded('handoff');
    m.callEnded('failed');
    m.callEnded('bogus' as never);
    text = await m.render();
    assert.equal(sample(text, 'agentline_active_calls'), 0);
    assert.equal(sample(text, 'agentline_calls_total{outcome="other"}'), 1);
  });
  it('SIP counters with bounded labels', async () => {
    const m = new Metrics();
    m.sipRequest('INVITE');
    m.sipRequest('bye', 'out');
    m.sipRequest('X-EVIL-' + 'A'.repeat(100));
    m.sipResponse(200);
    m.sipResponse(180, 'in');
    m.sipResponse(999);
    m.sipAnswer(488);
    m.sipRetransmission();
    m.sipParseError('bad_start_line');
    const text = await m.render();
    assert.equal(sample(text, 'agentline_sip_requests_total{method="INVITE",direction="in"}'), 1);
    assert.equal(sample(text, 'agentline_sip_requests_total{method="BYE",direction="out"}'), 1);
    assert.equal(sample(text, 'agentline_sip_requests_total{method="other",direction="in"}'), 1);
    assert.equal(sample(text, 'agentline_sip_responses_total{code="200",direction="out"}'), 1);
    assert.equal(sample(text, 'agentline_sip_responses_total{code="180",direction="in"}'), 1);
    assert.equal(sample(text, 'agentline_sip_responses_total{code="other",direction="out"}'), 1);
    assert.equal(sample(text, 'agentline_sip_answers_total{code="488"}'), 1);
    assert.equal(sample(text, 'agentline_sip_retransmissions_total'), 1);
    assert.equal(sample(text, 'agentline_sip_parse_errors_total{kind="bad_start_line"}'), 1);
  });
  it('RTP packets, loss and jitter', async () => {
    const m = new Metrics();
    m.rtpPackets('in', 50);
    m.rtpPackets('out');
    m.rtpLost(3);
    m.rtpLost(0);
    m.rtpJitter(4);
    m.rtpJitter(Number.NaN);
    const text = await m.render();
    assert.equal(sample(text, 'agentline_rtp_packets_total{direction="in"}'), 50);
    assert.equal(sample(text, 'agentline_rtp_packets_total{direction="out"}'), 1);
    assert.equal(sample(text, 'agentline_rtp_lost_total'), 3);
    assert.equal(sample(text, 'agentline_rtp_jitter_ms_count'), 1);
    assert.equal(sample(text, 'agentline_rtp_jitter_ms_bucket{le="5"}'), 1);
    assert.equal(sample(text, 'agentline_rtp_jitter_ms_bucket{le="2"}'), 0);
  });
  it('hot-path counts reach the counters at each scrape, once', async () => {
    const m = new Metrics();
    m.sipRequest('INVITE');
    m.rtpPackets('out', 5);
    m.rtpLost(2);
    m.callEnded('handoff');
    let text = await m.render();
    assert.equal(sample(text, 'agentline_sip_requests_total{method="INVITE",direction="in"}'), 1);
    assert.equal(sample(text, 'agentline_rtp_packets_total{direction="out"}'), 5);
    // A second scrape with nothing new counts nothing twice.
    text = await m.render();
    assert.equal(sample(text, 'agentline_sip_requests_total{method="INVITE",direction="in"}'), 1);
    assert.equal(sample(text, 'agentline_rtp_packets_total{direction="out"}'), 5);
    assert.equal(sample(text, 'agentline_rtp_lost_total'), 2);
    assert.equal(sample(text, 'agentline_calls_total{outcome="handoff"}'), 1);
    m.sipRequest('INVITE');
    m.sipRequest('BYE', 'out');
    m.rtpPackets('out', 0);
    m.rtpPackets('out', 7);
    text = await m.render();
    assert.equal(sample(text, 'agentline_sip_requests_total{method="INVITE",direction="in"}'), 2);
    assert.equal(sample(text, 'agentline_sip_requests_total{method="BYE",direction="out"}'), 1);
    assert.equal(sample(text, 'agentline_rtp_packets_total{direction="out"}'), 12);
  });
  it('HTTP by route template and status, store ops, errors by code', async () => {
    const m = new Metrics();
    const route = '/v1/:account_id/:project_id/handoff_state';
    m.httpRequest(route, 200, 0.004);
    m.httpRequest(route, 404, 0.002);
    m.storeOp('get_record', 0.0007);
    m.error('agent_busy');
    m.error('made_up');
    const text = await m.render();
    assert.equal(sample(text, `agentline_http_requests_total{route="${route}",code="200"}`), 1);
    assert.equal(sample(text, `agentline_http_requests_total{route="${route}",code="404"}`), 1);
    assert.equal(sample(text, `agentline_http_request_duration_seconds_count{route="${route}"}`), 2);
    assert.equal(sample(text, 'agentline_store_op_duration_seconds_count{op="get_record"}'), 1);
    assert.equal(sample(text, 'agentline_errors_total{code="agent_busy"}'), 1);
    assert.equal(sample(text, 'agentline_errors_total{code="other"}'), 1);
  });
  it('media clock: counters follow its running totals at each scrape, the busy share is a gauge', async () => {
    const m = new Metrics();
    const before = await m.render();
    assert.equal(sample(before, 'agentline_media_clock_ticks_total'), 0, 'no clock watched: zero');
    assert.equal(sample(before, 'agentline_media_clock_busy_ratio'), 0);
    const counts = { ticks: 50, skipped: 0, slews: 1, busy: 0.4 };
    m.watchMediaClock(() => counts);
    let text = await m.render();
    assert.equal(sample(text, 'agentline_media_clock_ticks_total'), 50);
    assert.equal(sample(text, 'agentline_media_clock_slews_total'), 1);
    assert.equal(sample(text, 'agentline_media_clock_busy_ratio'), 0.4);
    assert.equal(sample(text, 'agentline_media_clock_scavenges_total'), 0, 'no steer: zero');
    Object.assign(counts, { ticks: 120, skipped: 3, busy: 0.95, scavenges: 7, scavengesNoRoom: 2, rtpPaced: 900, rtpPacerOverruns: 1 });
    text = await m.render();
    assert.equal(sample(text, 'agentline_rtp_paced_packets_total'), 900);
    assert.equal(sample(text, 'agentline_rtp_pacer_overruns_total'), 1);
    assert.equal(sample(text, 'agentline_media_clock_scavenges_total'), 7);
    assert.equal(sample(text, 'agentline_media_clock_scavenges_no_room_total'), 2);
    assert.equal(sample(text, 'agentline_media_clock_ticks_total'), 120);
    assert.equal(sample(text, 'agentline_media_clock_skipped_ticks_total'), 3);
    assert.equal(sample(text, 'agentline_media_clock_slews_total'), 1, 'counted once');
    assert.equal(sample(text, 'agentline_media_clock_busy_ratio'), 0.95);
  });

  it('WAL checkpoints by result, and the WAL frames the last one found', async () => {
    const m = new Metrics();
    m.checkpoint({ busy: false, walFrames: 3000, checkpointed: 3000 });
    m.checkpoint({ busy: false, walFrames: 4200, checkpointed: 4000 });
    m.checkpoint({ busy: true, walFrames: -1, checkpointed: -1 });
    const text = await m.render();
    assert.equal(sample(text, 'agentline_store_checkpoints_total{result="full"}'), 1);
    assert.equal(sample(text, 'agentline_store_checkpoints_total{result="partial"}'), 1);
    assert.equal(sample(text, 'agentline_store_checkpoints_total{result="busy"}'), 1);
    assert.equal(sample(text, 'agentline_store_wal_frames'), 4200, 'a busy checkpoint that read nothing leaves it');
  });
  it('route labels are capped: raw URLs cannot explode the series count', async () => {
    const m = new Metrics();
    for (let i = 0; i < 500; i++) m.httpRequest(`/v1/a/p/handoff_state?shared_id=${i}`, 404, 0.001);
    const text = await m.render();
    const series = text.split('\n').filter((l) => l.startsWith('agentline_http_requests_total{'));
    assert.ok(series.length <= 65, `series: ${series.length}`);
    assert.ok((sample(text, 'agentline_http_requests_total{route="other",code="404"}') ?? 0) > 400);
  });
  it('default labels and default process metrics on request', async () => {
    const m = new Metrics({ collectDefault: true, defaultLabels: { node: 'gw-1' } });
    const text = await m.render();
    assert.match(text, /^process_cpu_user_seconds_total\{node="gw-1"\} /m);
    assert.match(text, /^agentline_active_calls\{node="gw-1"\} 0$/m);
    assert.doesNotMatch(await new Metrics().render(), /process_cpu/);
  });
});
