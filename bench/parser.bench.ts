/**
 * SIP parser benchmark: parses a typical Five9-style INVITE (about 900 bytes, SDP offer
 * with PCMU, PCMA and telephone-event) in a loop and prints messages/second.
 *
 * Run: `node --import tsx bench/parser.bench.ts` (one core: `taskset -c 0 node --import tsx bench/parser.bench.ts`).
 * Env: `BENCH_SECONDS` (default 3) is the measured time per case, after a 1 s warm-up.
 */
import { parseMessage, type AnyMessage } from '../src/sip/index.ts';

const SDP = [
  'v=0',
  'o=Five9 1732551032 1732551033 IN IP4 10.20.30.40',
  's=Five9 VCC',
  'c=IN IP4 10.20.30.40',
  't=0 0',
  'm=audio 23456 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  '',
].join('\r\n');

const HEAD = [
  'INVITE sip:7001@agentline.example.com:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 10.20.30.40:5060;branch=z9hG4bK-524287-1---a5c1f3e2b7d9;rport',
  'Max-Forwards: 70',
  'From: "Jane Caller" <sip:+14155550123@10.20.30.40:5060>;tag=f9a3b2c1d0',
  'To: <sip:7001@agentline.example.com:5060>',
  'Call-ID: 6b8f0e2a9c4d4e1f8a7b@10.20.30.40',
  'CSeq: 1 INVITE',
  'Contact: <sip:five9@10.20.30.40:5060;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE',
  'Supported: replaces, timer',
  'User-Agent: Five9 VCC SIP/12.0',
  'X-PolyAi-Auth-Token: 3q2+7w-9f8e7d6c5b4a3928',
  'X-five9sessionid: 300000001234567',
  'X-five9ani: 4155550123',
  'X-five9dnis: 8005550199',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(SDP)}`,
  '',
  '',
].join('\r\n');

const INVITE = Buffer.from(HEAD + SDP);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/** Parses and fails loudly: a benchmark of a failing parse measures nothing. */
function parse(): AnyMessage {
  const r = parseMessage(INVITE);
  if (!r.ok) throw r.error;
  return r.message;
}

/** What the transaction and dialog layers read on every message. */
function parseAndAccess(): number {
  const m = parse();
  return m.via.branch!.length + m.from.tag!.length + m.to.uri.host.length + m.cseq.seq + m.callId.length;
}

/** Wall and CPU time of a run, in nanoseconds, with the number of calls. */
interface Run {
  count: number;
  wallNs: number;
  cpuNs: number;
}

/** Runs `fn` for `seconds` of wall time, checking the clock every `batch` calls. */
function run(fn: () => unknown, seconds: number, batch = 1000): Run {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let count = 0;
  let elapsed = 0n;
  let sink = 0;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) sink += fn() ? 1 : 0;
    count += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) console.log(sink);
  return { count, wallNs: Number(elapsed), cpuNs: (cpu.user + cpu.system) * 1e3 };
}

/**
 * Prints throughput by wall time, and µs per message by CPU time: on a shared machine the
 * CPU figure is the steadier one (it leaves out time the core spent on other processes).
 */
function report(name: string, fn: () => unknown): void {
  run(fn, 1);
  const r = run(fn, SECONDS);
  const perSec = (r.count * 1e9) / r.wallNs;
  const perCpuSec = (r.count * 1e9) / r.cpuNs;
  console.log(`${name.padEnd(34)} ${fmt(perSec)} msg/s (${(r.wallNs / 1e3 / r.count).toFixed(2)} µs)`
    + `  CPU: ${fmt(perCpuSec)} msg/s (${(r.cpuNs / 1e3 / r.count).toFixed(2)} µs)`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(9);
}

console.log(`SIP parser benchmark: ${INVITE.length}-byte INVITE, ${SECONDS} s per case, Node ${process.version}`);
report('parse', parse);
report('parse + via/from/to/cseq/callId', parseAndAccess);
