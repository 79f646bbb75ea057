/**
 * Media interop against a real gateway (startGateway, temp SQLite, demo agent, plus a
 * built-in agent on extension 7010 that greets with a 1 kHz tone):
 * - SIPp (Debian `sip-tester`) offers PCMA, streams sip-tester's A-law pcap and then
 *   RFC 2833 digit 1 from its pcap (`play_pcap_audio`, raw sockets: needs root or
 *   CAP_NET_RAW); the gateway must hear the digit in RTP and hang up with the handoff BYE.
 * - baresip (Debian `baresip`) calls headless with a WAV file as its microphone (`aufile`)
 *   and dumps what it hears (`sndfile`); the dump must hold the greeting tone, and the
 *   call record must count baresip's packets.
 * Each part is skipped when its tool is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../../src/app.ts';
import { parseConfig } from '../../src/config/index.ts';
import { decodeWav, encodeWav } from '../../src/media/wav.ts';
import { dominantFrequency, generateTone } from '../../src/media/tone.ts';
import { createLogger } from '../../src/obs/index.ts';
import type { CallRecord, JsonObject } from '../../src/store/index.ts';
import { rtpPortRange } from '../support/gateway-config.ts';
import { freePort, haveSipp, runSipp } from '../support/sipp.ts';

const PCAP_DIR = '/usr/share/sip-tester';
const havePcaps = existsSync(join(PCAP_DIR, 'g711a.pcap')) && existsSync(join(PCAP_DIR, 'dtmf_2833_1.pcap'));
const haveBaresip = spawnSync('baresip', ['-h']).error === undefined;
const canRawSocket = process.getuid?.() === 0;

/**
 * The newest call record once it has ended and carries its media statistics.
 * @param detail more to say when none comes (e.g. the peer's log)
 */
async function lastCall(gw: Gateway, after: number, detail = (): string => ''): Promise<CallRecord> {
  let rec: CallRecord | undefined;
  for (let i = 0; i < 200; i++) {
    rec = (await gw.store.listCalls({ since: after })).items[0];
    if (rec?.endedAt !== undefined && rec.media !== undefined) return rec;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seen = rec === undefined ? 'no call at all' : `the newest: state ${JSON.stringify({ ...rec, media: rec.media !== undefined })}`;
  assert.fail(`no finished call record (${seen}); live calls: ${JSON.stringify(gw.calls.list())}\n${detail()}`);
}

describe('media interop', () => {
  let dir: string;
  let gw: Gateway;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-media-interop-'));
    gw = await startGateway(parseConfig({
      sip: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      rtp: { host: '127.0.0.1', ...rtpPortRange(40) },
      store: { path: join(dir, 'agentline.db') },
      log: { level: 'silent' },
      demo: { enabled: true },
    }), { logger: createLogger({ level: 'silent' }) });
    const tenant = await gw.store.getTenantBySlug('demo');
    assert.ok(tenant);
    await gw.store.createAgent({
      tenantId: tenant.id, slug: 'toner', name: 'Tone greeting', kind: 'builtin', extension: '7010', destinations: ['billing'],
      config: { waitMs: 3000, greeting: { tone: { freqHz: 1000, durationMs: 6000 } } } as JsonObject,
    });
  });

  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // In CI (.ci/run installs every peer, as root) nothing is skipped: a missing peer fails.
  const sippSkip = process.env.CI ? false : !haveSipp() ? 'sipp (sip-tester) is not installed'
    : !havePcaps ? `no sip-tester pcaps in ${PCAP_DIR}`
      : !canRawSocket ? 'play_pcap_audio needs raw sockets (root)' : false;

  test('SIPp: A-law pcap audio, then RFC 2833 digit 1 from a pcap → BYE X-destination: billing', { skip: sippSkip }, async () => {
    const scenario = readFileSync(fileURLToPath(new URL('./scenarios/media-pcap.xml', import.meta.url)), 'utf8');
    const file = join(dir, 'media-pcap.xml');
    writeFileSync(file, scenario.replaceAll('PCAP_DIR', PCAP_DIR));
    const since = Date.now();
    const r = await runSipp({
      target: `127.0.0.1:${gw.sipPort}`, scenario: file, service: '7001', calls: 1,
      extra: ['-mi', '127.0.0.1', '-mp', String(await freePort())], timeoutSec: 30,
    });
    const detail = `sipp exit ${r.code}, ${r.successful} ok, ${r.failed} failed\n${r.errors}\n${r.stdout}`;
    assert.equal(r.code, 0, detail);
    assert.equal(r.successful, 1, detail);
    const media = (await lastCall(gw, since)).media as JsonObject;
    assert.equal(media['codec'], 'PCMA');
    assert.equal(media['dtmfReceived'], 1);
    assert.ok((media['packetsReceived'] as number) > 20, `packets from the pcap: ${String(media['packetsReceived'])}`);
    assert.equal(media['latches'], 1, 'symmetric RTP followed the pcap’s source');
  });

  test('baresip: hears the greeting tone; the gateway counts its audio', { skip: haveBaresip || process.env.CI ? false : 'baresip is not installed' }, async () => {
    const work = mkdtempSync(join(dir, 'baresip-'));
    const mic = join(work, 'mic.wav');
    writeFileSync(mic, encodeWav(generateTone(440, 8000, { amplitude: 6000 })));
    const sipPort = await freePort();
    const rtpMin = 42000 + 2 * Math.floor(Math.random() * 5000);
    writeFileSync(join(work, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.1:${sipPort}`, `audio_source aufile,${mic}`, 'audio_player aubridge,nowhere',
      'audio_alert aubridge,nowhere', 'audio_srate 8000', 'audio_channels 1', `rtp_ports ${rtpMin}-${rtpMin + 20}`,
      'module_path /usr/lib/baresip/modules', 'module g711.so', 'module aufile.so', 'module aubridge.so', 'module sndfile.so',
      'module_app account.so', 'module_app menu.so', `snd_path ${work}`, '',
    ].join('\n'));
    writeFileSync(join(work, 'accounts'), '<sip:caller@127.0.0.1>;regint=0;audio_codecs=PCMU\n');
    const since = Date.now();
    const child = spawn('baresip', ['-4', '-n', '127.0.0.1', '-f', work, '-e', `/dial sip:7010@127.0.0.1:${gw.sipPort}`, '-t', '15'], {
      cwd: work, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      const media = (await lastCall(gw, since, () => log)).media as JsonObject;
      assert.ok((media['packetsReceived'] as number) > 100, `baresip's packets at the gateway: ${String(media['packetsReceived'])}\n${log}`);
      assert.equal(media['lost'], 0);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const dump = readdirSync(work).find((f) => f.endsWith('-dec.wav'));
    assert.ok(dump, `baresip wrote no dump of what it heard\n${log}`);
    const heard = decodeWav(readFileSync(join(work, dump))).samples;
    let tone = 0;
    for (let at = 0; at + 160 <= heard.length; at += 160) {
      const d = dominantFrequency(heard.subarray(at, at + 160), [440, 1000, 2000]);
      if (d?.freqHz === 1000 && d.share > 0.8) tone++;
    }
    assert.ok(tone >= 100, `frames of the 1 kHz greeting baresip heard: ${tone} of ${heard.length / 160}`);
  });
});
