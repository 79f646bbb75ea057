/**
 * The emulator's call path against a small agent built on our own SIP and media stack
 * (no gateway): it answers, plays a 1 kHz tone, listens for the caller's audio and
 * digits (RFC 4733 or SIP INFO), and hands back with a BYE carrying X-headers. Proves
 * that media crosses both ways (Goertzel), that recording works, that digits arrive by
 * each mode, and the load mode's counting and time bound.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioMeter, ContactCenter, runLoad, type CallOptions } from '../../src/ccsim/index.ts';
import { UserAgent, type IncomingInvite } from '../../src/dialog/index.ts';
import {
  RtpSession, TimerMediaClock, ToneGenerator, decodeWav8k, encodeWav, ephemeralPorts, generateTone, parseInfoDtmf,
} from '../../src/media/index.ts';
import { answerOffer } from '../../src/sdp/index.ts';
import { SipTransport } from '../../src/transport/index.ts';
import type { CcsimError } from '../../src/ccsim/index.ts';

/** What the fake agent saw, per call (by session id). */
interface Seen {
  digits: string[];
  heardHz600: boolean;
}

/** Agent behaviour: `hangup` sends BYE with headers on the first digit; `never` never ends the call. */
type Mode = 'hangup' | 'never';

class ToneAgent {
  readonly seen = new Map<string, Seen>();
  mode: Mode = 'hangup';
  private readonly clock = new TimerMediaClock();
  private readonly sessions = new Set<RtpSession>();

  private constructor(readonly transport: SipTransport, readonly ua: UserAgent) {}

  static async start(): Promise<ToneAgent> {
    const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['udp'] });
    const holder: { agent?: ToneAgent } = {};
    const ua = new UserAgent({ transport, onInvite: (invite) => void holder.agent?.answer(invite) });
    holder.agent = new ToneAgent(transport, ua);
    return holder.agent;
  }

  private async answer(invite: IncomingInvite): Promise<void> {
    const sid = invite.request.get('X-five9sessionid') ?? '?';
    const seen: Seen = { digits: [], heardHz600: false };
    this.seen.set(sid, seen);
    const offer = invite.request.body.toString();
    const rtp = await RtpSession.open({ clock: this.clock, ports: ephemeralPorts, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcpMux: true });
    this.sessions.add(rtp);
    const { answer, media } = answerOffer(offer, { address: '127.0.0.1', port: rtp.port });
    rtp.setRemote({ address: media.remoteAddress, port: media.remotePort });
    const tone = new ToneGenerator(1000);
    rtp.setSource({ read: (dst) => { tone.fill(dst); return true; } });
    const meter = new AudioMeter({ detectHz: 600 });
    rtp.on('audio', (frame) => {
      meter.push(frame);
      seen.heardHz600 = meter.report.tone?.heard === true;
    });
    const dialog = invite.accept({ sdp: answer });
    const onDigit = (digit: string): void => {
      seen.digits.push(digit);
      if (this.mode !== 'hangup' || dialog.state === 'terminated') return;
      rtp.close();
      void dialog.bye({ headers: [['X-contained', 'false'], ['X-destination', 'support'], ['X-Handoff-Reason', 'asked for help']] });
    };
    rtp.on('dtmf', (e) => onDigit(e.digit));
    dialog.handlers = {
      onInfo: (tx) => {
        const d = parseInfoDtmf(tx.request.contentType ?? '', tx.request.body.toString());
        if (d) onDigit(d.digit);
      },
      onEnd: () => rtp.close(),
    };
  }

  get port(): number {
    return this.transport.port;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.close();
    this.ua.close();
    await this.transport.close();
  }
}

describe('ccsim call path against a tone-playing agent', () => {
  let agent: ToneAgent;
  let cc: ContactCenter;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccsim-call-'));
    agent = await ToneAgent.start();
    cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: agent.port } });
  });

  after(async () => {
    await cc?.close();
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('hears the agent\'s tone (Goertzel), records it, and its RFC 4733 digit reaches the agent', async () => {
    agent.mode = 'hangup';
    const recordPath = join(dir, 'heard.wav');
    const report = await cc.call({
      script: { audio: { kind: 'tone', hz: 600 }, presses: [{ digits: '5', atMs: 300 }], detectHz: 1000, recordPath, maxCallMs: 10_000 },
    });
    assert.equal(report.ended, 'agent');
    assert.equal(report.media?.heard, true);
    assert.equal(report.media?.tone?.heard, true);
    assert.deepEqual(agent.seen.get(report.sessionId), { digits: ['5'], heardHz600: true });
    assert.deepEqual(report.variables, { contained: 'false', destination: 'support', 'handoff-reason': 'asked for help' });
    assert.equal(report.decision.skill, 'support');
    const pcm = decodeWav8k(readFileSync(recordPath));
    assert.ok(pcm.length >= 160 * 5, `recorded ${pcm.length} samples`);
    assert.equal(report.media?.recording?.path, recordPath);
  });

  test('plays a WAV file to the agent and sends the digit by SIP INFO', async () => {
    agent.mode = 'hangup';
    const wav = join(dir, 'prompt.wav');
    writeFileSync(wav, encodeWav(generateTone(600, 2000)));
    const report = await cc.call({ script: { audio: { kind: 'wav', path: wav }, presses: [{ digits: '#', atMs: 300 }], dtmfMode: 'info', maxCallMs: 10_000 } });
    assert.equal(report.ended, 'agent');
    assert.deepEqual(report.media?.dtmf.map((d) => [d.digits, d.mode, d.status]), [['#', 'info', 200]]);
    assert.deepEqual(agent.seen.get(report.sessionId), { digits: ['#'], heardHz600: true });
  });

  test('a WAV file that cannot be read fails before any INVITE', async () => {
    const before = agent.seen.size;
    await assert.rejects(cc.call({ script: { audio: { kind: 'wav', path: join(dir, 'missing.wav') } } }), { code: 'media_io_failed' });
    assert.equal(agent.seen.size, before);
  });

  test('too many custom headers is refused before any INVITE', async () => {
    const headers = Array.from({ length: 10 }, (_, i): [string, string] => [`X-Var${i}`, 'v']);
    await assert.rejects(cc.call({ variables: { headers } }), (err: CcsimError) => err.code === 'ccsim_too_many_headers');
  });

  test('the agent never hands back: the max call time hangs up (outcome timeout)', async () => {
    agent.mode = 'never';
    const report = await cc.call({ script: { maxCallMs: 200 } });
    assert.equal(report.ended, 'timeout');
    assert.equal(report.decision.action, 'end');
    assert.deepEqual(report.issues, []);
  });

  test('load mode: every call counted, percentiles filled', async () => {
    agent.mode = 'hangup';
    const options: CallOptions = { script: { presses: [{ digits: '1', atMs: 50 }], maxCallMs: 10_000 } };
    const progress: number[] = [];
    const { summary, reports } = await runLoad(cc, {
      calls: 20, rate: 200, concurrency: 5, maxDurationMs: 30_000, callOptions: () => options, onProgress: (p) => progress.push(p.done),
    });
    assert.equal(summary.completed, 20, JSON.stringify(summary.errors));
    assert.equal(summary.failed, 0);
    assert.deepEqual(summary.answers, { 200: 20 });
    assert.deepEqual(summary.decisions, { 'transfer:support': 20 });
    assert.equal(summary.setupMs.count, 20);
    assert.equal(summary.audio.heard, 20);
    assert.equal(reports.length, 20);
    assert.equal(new Set(reports.map((r) => r.sessionId)).size, 20, 'a session id per call');
    assert.equal(progress.at(-1), 20, 'a final progress report');
  });

  test('load mode is bounded in time: running calls aborted, the rest skipped', async () => {
    agent.mode = 'never';
    const { summary } = await runLoad(cc, {
      calls: 50, rate: 20, concurrency: 2, maxDurationMs: 300, callOptions: () => ({ script: { maxCallMs: 60_000 } }),
    });
    assert.ok(summary.skipped > 0, `skipped ${summary.skipped}`);
    assert.equal(summary.completed, 0);
    // Answered calls are hung up (aborted); one still ringing at the bound is cancelled (not answered).
    assert.equal((summary.ended['aborted'] ?? 0) + (summary.ended['not_answered'] ?? 0), summary.started);
    assert.ok((summary.errors['call_aborted'] ?? 0) > 0);
  });

  test('load mode stops on its signal (Ctrl-C): nothing more is started', async () => {
    const { summary } = await runLoad(cc, {
      calls: 5, rate: 10, concurrency: 5, maxDurationMs: 30_000, callOptions: () => ({}), signal: AbortSignal.abort(),
    });
    assert.deepEqual([summary.started, summary.skipped], [0, 5]);
  });
});
