import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaybackResult } from '../agents/index.ts';
import { ManualMediaClock } from '../media/clock.ts';
import { MediaError } from '../media/errors.ts';
import { ephemeralPorts } from '../media/ports.ts';
import { RtpSession } from '../media/rtp-session.ts';
import { dominantFrequency, generateTone, goertzelPower } from '../media/tone.ts';
import { readStereoWav } from '../../test/support/stereo-wav.ts';
import { CallMediaHandle, type PromptSource } from './call-media.ts';
import { CallRecorder } from './recorder.ts';

/** Yields to the event loop until `cond` holds (bounded by iterations, not by time). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Prompts whose loads the test settles by hand. */
function manualPrompts(): PromptSource & { settle(key: string, pcm: Int16Array | Error): void } {
  const waiting = new Map<string, { ok: (p: Int16Array) => void; no: (e: Error) => void }>();
  const load = (key: string): Promise<Int16Array> => new Promise((ok, no) => waiting.set(key, { ok, no }));
  return {
    speak: (text) => load(`say:${text}`),
    file: (path) => load(`file:${path}`),
    settle: (key, v) => {
      const w = waiting.get(key);
      assert.ok(w, `no load for ${key}`);
      if (v instanceof Error) w.no(v);
      else w.ok(v);
    },
  };
}

interface Rig {
  clock: ManualMediaClock;
  rtp: RtpSession;
  handle: CallMediaHandle;
  prompts: ReturnType<typeof manualPrompts>;
  errors: unknown[];
  close(): void;
}

/** One session with no peer: the clock's ticks still pull the handle's frames. */
async function rig(extra: { recorder?: CallRecorder } = {}, clock = new ManualMediaClock()): Promise<Rig> {
  const rtp = await RtpSession.open({ clock, ports: ephemeralPorts, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcp: false });
  const prompts = manualPrompts();
  const errors: unknown[] = [];
  const handle = new CallMediaHandle(rtp, { prompts, now: () => clock.nowMs, onError: (e) => errors.push(e), ...extra });
  return { clock, rtp, handle, prompts, errors, close: () => { handle.close(); rtp.close(); } };
}

/** Collects the order in which playbacks settle. */
function track(log: string[], name: string, p: Promise<PlaybackResult>): Promise<PlaybackResult> {
  return p.then((r) => {
    log.push(`${name}:${r.completed}`);
    return r;
  });
}

test('playbacks keep call order even when an earlier prompt loads later', async () => {
  const r = await rig();
  try {
    const log: string[] = [];
    const said = track(log, 'say', r.handle.say('welcome'));
    const played = track(log, 'play', r.handle.play(new Int16Array(320).fill(1000)));
    r.clock.tick(5);
    await flush();
    assert.deepEqual(log, []);
    assert.equal(r.handle.stats.playedMs, 0, 'nothing plays before the earlier prompt is ready');
    r.prompts.settle('say:welcome', new Int16Array(160).fill(500));
    await until(() => r.handle.pendingSamples === 160 + 320, 'say queued');
    r.clock.tick(1);
    await until(() => log.length === 1, 'say played');
    r.clock.tick(2);
    await Promise.all([said, played]);
    assert.deepEqual(log, ['say:true', 'play:true']);
    assert.equal(r.handle.stats.playedMs, 60);
    assert.equal(r.handle.stats.playbacks, 2);
  } finally {
    r.close();
  }
});

test('stop() cuts the current, the queued and the still loading playbacks at once', async () => {
  const r = await rig();
  try {
    const first = r.handle.play(generateTone(1000, 1000));
    const second = r.handle.play(generateTone(1000, 1000));
    const loading = r.handle.playFile('/prompts/slow.wav');
    r.clock.tick(3);
    r.handle.stop();
    assert.deepEqual(await Promise.all([first, second, loading]), [{ completed: false }, { completed: false }, { completed: false }]);
    // The late load is dropped, not played.
    r.prompts.settle('file:/prompts/slow.wav', new Int16Array(160));
    const next = r.handle.play(new Int16Array(160));
    r.clock.tick(1);
    assert.deepEqual(await next, { completed: true });
    const s = r.handle.stats;
    assert.equal(s.bargeIns, 1);
    assert.equal(s.playbacksCut, 3);
    assert.equal(s.playedMs, 4 * 20);
  } finally {
    r.close();
  }
});

test('mark() resolves at once when idle, else when what was queued before it has played', async () => {
  const r = await rig();
  try {
    assert.deepEqual(await r.handle.mark(), { completed: true });
    const log: string[] = [];
    void track(log, 'play', r.handle.play(new Int16Array(320)));
    const mark = track(log, 'mark', r.handle.mark());
    r.clock.tick(1);
    await flush();
    assert.deepEqual(log, []);
    r.clock.tick(1);
    await mark;
    assert.deepEqual(log, ['play:true', 'mark:true']);
    assert.equal(r.handle.stats.playbacks, 1, 'a mark is not a playback');
  } finally {
    r.close();
  }
});

test('a prompt that cannot load rejects with its code; later playbacks still play', async () => {
  const r = await rig();
  try {
    const bad = r.handle.say('hello');
    const good = r.handle.play(new Int16Array(160));
    r.prompts.settle('say:hello', new MediaError('media_tts_unavailable', 'no engine [package:espeak-ng]'));
    await assert.rejects(bad, (e: unknown) => e instanceof MediaError && e.code === 'media_tts_unavailable');
    await until(() => r.handle.pendingSamples === 160, 'queued');
    r.clock.tick(1);
    assert.deepEqual(await good, { completed: true });
    r.handle.close();
    assert.deepEqual(await r.handle.say('after the call'), { completed: false }, 'nothing loads after the end');
    assert.throws(() => r.prompts.settle('say:after the call', new Int16Array(1)));
  } finally {
    r.close();
  }
});

test('digits: once per key press across SIP INFO and RFC 4733; a throwing listener is isolated', async () => {
  const r = await rig();
  try {
    const got: string[] = [];
    r.handle.onDtmf(() => { throw new Error('listener bug'); });
    const off = r.handle.onDtmf((d) => got.push(d));
    r.handle.pushDigit('1', 'info');
    r.handle.pushDigit('1', 'rtp'); // the same press, signalled twice
    r.handle.pushDigit('1', 'rtp'); // a second press
    r.handle.pushDigit('2', 'rtp');
    r.clock.tick(100); // 2 s later: not a copy any more
    r.handle.pushDigit('2', 'info');
    off();
    r.handle.pushDigit('3', 'info');
    assert.deepEqual(got, ['1', '1', '2', '2']);
    assert.equal(r.errors.length, 5);
    assert.deepEqual({ ...r.handle.stats, playedMs: 0 }, {
      digitsInfo: 3, digitsRtp: 2, digitsDuplicate: 1, playbacks: 0, playbacksCut: 0, bargeIns: 0, playedMs: 0,
    });
  } finally {
    r.close();
  }
});

test('over RTP: the peer hears our tone, we hear its tone and its RFC 4733 digits, and the recording has both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'call-media-'));
  const clock = new ManualMediaClock();
  const recorder = await CallRecorder.open(join(dir, 'call.wav'), clock);
  const r = await rig({ recorder }, clock);
  const peer = await RtpSession.open({
    clock: r.clock, ports: ephemeralPorts, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcp: false,
    remote: { address: '127.0.0.1', port: r.rtp.port },
  });
  try {
    r.rtp.setRemote({ address: '127.0.0.1', port: peer.port });
    const heardByPeer: number[] = [];
    peer.on('audio', (f, kind) => { if (kind === 'audio') heardByPeer.push(dominantFrequency(f, [440, 1000])?.freqHz ?? 0); });
    const heardByAgent: number[] = [];
    r.handle.onAudio((f) => heardByAgent.push(dominantFrequency(f, [440, 1000])?.freqHz ?? 0));
    const digits: string[] = [];
    r.handle.onDtmf((d) => digits.push(d));
    const ours = r.handle.play(generateTone(1000, 600));
    void peer.play(generateTone(440, 600));
    const sent = (): number => r.rtp.stats.packetsSent + peer.stats.packetsSent;
    const arrived = (): number => r.rtp.stats.packetsReceived + peer.stats.packetsReceived;
    for (let i = 0; i < 40; i++) {
      if (i === 32) peer.sendDtmf('5#');
      r.clock.tick();
      await until(() => arrived() >= sent(), 'delivery');
    }
    for (let i = 0; i < 20; i++) {
      r.clock.tick();
      await until(() => arrived() >= sent(), 'delivery');
    }
    assert.deepEqual(await ours, { completed: true });
    assert.ok(heardByPeer.filter((f) => f === 1000).length >= 25, `peer heard ${heardByPeer.join(',')}`);
    assert.ok(heardByAgent.filter((f) => f === 440).length >= 25, `agent heard ${heardByAgent.join(',')}`);
    assert.deepEqual(digits, ['5', '#']);
    r.close();
    await recorder.close();
    const wav = readStereoWav(await readFile(join(dir, 'call.wav')));
    assert.equal(wav.caller.length, 60 * 160, 'one frame per tick');
    const caller = wav.caller.subarray(10 * 160, 25 * 160);
    const agent = wav.agent.subarray(10 * 160, 25 * 160);
    assert.ok(goertzelPower(caller, 440) > 1e7 && goertzelPower(agent, 1000) > 1e7, 'each direction on its channel');
    assert.ok(goertzelPower(caller, 1000) < goertzelPower(caller, 440) / 1000, 'no agent audio on the caller channel');
    assert.ok(goertzelPower(agent, 440) < goertzelPower(agent, 1000) / 1000, 'no caller audio on the agent channel');
    // The caller's tone started with the agent's, but reached the agent one jitter-buffer delay later.
    const firstLoud = (ch: Int16Array): number => Math.floor(ch.findIndex((v) => Math.abs(v) > 1000) / 160);
    assert.equal(firstLoud(wav.agent), 0);
    assert.ok(firstLoud(wav.caller) >= 2 && firstLoud(wav.caller) <= 4, String(firstLoud(wav.caller)));
  } finally {
    r.close();
    peer.close();
    await recorder.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('without a recorder the session emits inbound frames only while the agent listens', async () => {
  const r = await rig();
  const peer = await RtpSession.open({
    clock: r.clock, ports: ephemeralPorts, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcp: false,
    remote: { address: '127.0.0.1', port: r.rtp.port },
  });
  try {
    r.rtp.setRemote({ address: '127.0.0.1', port: peer.port });
    void peer.play(generateTone(440, 2000));
    const ticks = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        r.clock.tick();
        await until(() => r.rtp.stats.packetsReceived >= peer.stats.packetsSent, 'delivery');
      }
    };
    await ticks(20);
    assert.equal(r.rtp.hasListeners('audio'), false, 'nobody takes the audio: no frame is emitted');
    const heard: number[] = [];
    const stop = r.handle.onAudio((f) => heard.push(dominantFrequency(f, [440, 1000])?.freqHz ?? 0));
    assert.equal(r.rtp.hasListeners('audio'), true);
    await ticks(20);
    // The buffer played on while nobody listened: the agent hears the stream at once, in place.
    assert.equal(heard.length, 20);
    assert.equal(heard.filter((f) => f === 440).length, 20, heard.join(','));
    stop();
    assert.equal(r.rtp.hasListeners('audio'), false);
    await ticks(5);
    assert.equal(heard.length, 20);
    const { concealed, lost, late } = r.rtp.stats;
    assert.deepEqual({ concealed, lost, late }, { concealed: 0, lost: 0, late: 0 }, 'playout went on without gaps');
    r.handle.onAudio(() => {});
    r.handle.close();
    assert.equal(r.rtp.hasListeners('audio'), false, 'close drops the listener');
  } finally {
    r.close();
    peer.close();
  }
});
