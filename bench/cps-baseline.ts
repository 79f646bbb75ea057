/**
 * The floor of `bench/cps.ts --baseline`: the least a correct UAS does for the benchmark's loop
 * (test/interop/scenarios/gateway-bench.xml), with `node:dgram` and string handling only: no
 * gateway code, no SQLite, no RTP socket, no logging. What any Node program pays for this loop
 * on loopback UDP with SIPp as the peer, so the docs can tell it from the gateway's own logic.
 *
 * Per call: INVITE in → 200 OK out (To tag, Contact, a fixed SDP answer: PCMU and
 * telephone-event, no socket behind its port) → ACK in → after `waitMs` (argv[3], default 100)
 * BYE out (X-contained: false, X-destination: billing) → 200 in, and the call is gone. A
 * retransmitted INVITE gets the same 200 again. One timer per call at a time: the 200's
 * retransmission until the ACK (RFC 3261 §13.3.1.4), then the wait, then the BYE's
 * retransmission (Timer E, §17.1.2.2), each giving up after 64*T1.
 *
 * Speaks bench/cps-gateway.ts's line protocol (bench/gateway-process.ts): `{"sipPort":…}` once
 * ready; stdin `stats` answered with `{"calls":…,"atMs":…,"cpuMs":…,"rssMb":…,"loopP99Ms":…,"loopMaxMs":…}`;
 * the profiling commands of bench/profile-commands.ts, answered `{"ok":true}`;
 * SIGTERM exits 0. argv[2] (the gateway's scratch directory) is accepted and unused.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { profileCommands } from './profile-commands.ts';

const WAIT_MS = Number(process.argv[3] ?? 100);
const HOST = '127.0.0.1';
/** RFC 3261 §17.1.1.1: RTT estimate and the cap of the retransmission interval, ms. */
const T1 = 500;
const T2 = 4000;
/** §13.3.1.4 and Timer F (§17.1.2.2): retransmissions stop after 64*T1, ms. */
const GIVE_UP_MS = 64 * T1;
/** SO_RCVBUF asked for, as the gateway's SIP socket does (src/transport/options.ts). */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** The SDP answer (RFC 3264): fixed, the offer's PCMU and telephone-event; nothing listens on its port. */
const SDP = [
  'v=0', `o=- 1 1 IN IP4 ${HOST}`, 's=-', `c=IN IP4 ${HOST}`, 't=0 0', 'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', '',
].join('\r\n');
const SDP_BYTES = Buffer.byteLength(SDP, 'latin1');

/** Tags and branches: a random prefix per process and a counter (RFC 3261 §19.3, §8.1.1.7). */
const RUN = Math.random().toString(36).slice(2, 10);
let counter = 0;

/** A UDP address and port. */
interface Peer {
  address: string;
  port: number;
}

/** The header fields this loop reads, raw values trimmed (responses copy them, §8.2.6.2). */
interface Scanned {
  /** The request method, '' for a response. */
  method: string;
  /** The response status, 0 for a request. */
  status: number;
  /** Every Via line's value, in order. */
  vias: string[];
  from: string;
  to: string;
  callId: string;
  cseq: string;
  contact: string;
}

/** Where a call is: 200 sent (until the ACK), waiting `WAIT_MS`, BYE sent (until its answer). */
type Phase = 'answered' | 'confirmed' | 'ending';

/** One call's state, kept by Call-ID. */
interface Call {
  callId: string;
  phase: Phase;
  /** The INVITE's From and To (without our tag), and our tag. */
  from: string;
  to: string;
  tag: string;
  /** The 200 OK as sent, for its retransmissions, and where it goes (the INVITE's source). */
  ok: Buffer;
  source: Peer;
  /** The remote target (§12.1.1: the INVITE's Contact URI) and where the BYE goes. */
  remoteUri: string;
  target: Peer;
  bye: Buffer | undefined;
  /** The one timer of the phase, its current interval and the time retransmitted so far, ms. */
  timer: NodeJS.Timeout | undefined;
  interval: number;
  spent: number;
}

/** Compact header names (§7.3.3) of the fields read here. */
const COMPACT = new Map([['v', 'via'], ['f', 'from'], ['t', 'to'], ['i', 'call-id'], ['m', 'contact']]);

/** Reads the start line and the fields of {@link Scanned} from a datagram's text; undefined if it has no line. */
function scan(text: string): Scanned | undefined {
  const blank = text.indexOf('\r\n\r\n');
  const headEnd = blank < 0 ? text.length : blank;
  let eol = text.indexOf('\r\n');
  if (eol < 0) return undefined;
  const start = text.slice(0, eol);
  const m: Scanned = { method: '', status: 0, vias: [], from: '', to: '', callId: '', cseq: '', contact: '' };
  if (start.startsWith('SIP/2.0 ')) m.status = Number(start.slice(8, 11));
  else m.method = start.slice(0, start.indexOf(' '));
  for (let pos = eol + 2; pos < headEnd; pos = eol + 2) {
    eol = text.indexOf('\r\n', pos);
    if (eol < 0 || eol > headEnd) eol = headEnd;
    const colon = text.indexOf(':', pos);
    if (colon > pos && colon < eol) field(m, text.slice(pos, colon).trim().toLowerCase(), text.slice(colon + 1, eol).trim());
  }
  return m;
}

function field(m: Scanned, name: string, value: string): void {
  switch (COMPACT.get(name) ?? name) {
    case 'via': m.vias.push(value); break;
    case 'from': m.from = value; break;
    case 'to': m.to = value; break;
    case 'call-id': m.callId = value; break;
    case 'cseq': m.cseq = value; break;
    case 'contact': m.contact = value; break;
  }
}

/** RFC 3581 §4: an empty `rport` in the top Via gets the source port, and `received` the source address. */
function stampVia(via: string, src: RemoteInfo): string {
  const comma = via.indexOf(',');
  const top = comma < 0 ? via : via.slice(0, comma);
  const stamped = top.replace(/;\s*rport\s*(?=;|$)/i, `;received=${src.address};rport=${src.port}`);
  return comma < 0 ? stamped : stamped + via.slice(comma);
}

/** The remote target (§12.1.1): the Contact's URI and its IPv4 host and port, else the datagram's source. */
function remoteTarget(contact: string, src: RemoteInfo): { uri: string; peer: Peer } {
  const lt = contact.indexOf('<');
  const gt = contact.indexOf('>', lt);
  const uri = lt >= 0 && gt > lt ? contact.slice(lt + 1, gt) : contact.split(';')[0] ?? '';
  const hostPort = /^sips?:(?:[^@]*@)?(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?(?:[;?]|$)/i.exec(uri);
  if (hostPort === null) return { uri: uri === '' ? `sip:${src.address}:${src.port}` : uri, peer: { address: src.address, port: src.port } };
  return { uri, peer: { address: hostPort[1] ?? src.address, port: Number(hostPort[2] ?? 5060) } };
}

const calls = new Map<string, Call>();
const socket = createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()));
try {
  socket.setRecvBufferSize(RECV_BUFFER_BYTES);
} catch {
  // Best effort, as in the gateway: the kernel may cap it (net.core.rmem_max).
}
const sipPort = socket.address().port;
const CONTACT = `<sip:${HOST}:${sipPort}>`;

function send(buf: Buffer, to: Peer): void {
  socket.send(buf, to.port, to.address);
}

function arm(call: Call, ms: number): void {
  call.timer = setTimeout(onTimer, ms, call);
}

/** The 200 OK to an INVITE (§8.2.6.2: Vias, From, Call-ID, CSeq copied; To with our tag). */
function okResponse(m: Scanned, tag: string, src: RemoteInfo): Buffer {
  const vias = m.vias.map((v, i) => `Via: ${i === 0 ? stampVia(v, src) : v}\r\n`).join('');
  return Buffer.from(`SIP/2.0 200 OK\r\n${vias}From: ${m.from}\r\nTo: ${m.to};tag=${tag}\r\nCall-ID: ${m.callId}\r\n`
    + `CSeq: ${m.cseq}\r\nContact: ${CONTACT}\r\nAllow: INVITE, ACK, BYE\r\nContent-Type: application/sdp\r\n`
    + `Content-Length: ${SDP_BYTES}\r\n\r\n${SDP}`, 'latin1');
}

/** Our BYE (§15.1.1): to the remote target, From and To swapped from the INVITE's, a new branch. */
function byeRequest(call: Call): Buffer {
  return Buffer.from(`BYE ${call.remoteUri} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${sipPort};branch=z9hG4bK${RUN}${++counter};rport\r\n`
    + `Max-Forwards: 70\r\nFrom: ${call.to};tag=${call.tag}\r\nTo: ${call.from}\r\nCall-ID: ${call.callId}\r\nCSeq: 1 BYE\r\n`
    + 'X-contained: false\r\nX-destination: billing\r\nContent-Length: 0\r\n\r\n', 'latin1');
}

function onInvite(m: Scanned, src: RemoteInfo): void {
  const known = calls.get(m.callId);
  if (known !== undefined) {
    send(known.ok, known.source); // a retransmitted INVITE: our 200 was lost or late
    return;
  }
  if (m.to.includes(';tag=')) return; // in-dialog for a call we do not know
  const tag = `${RUN}${++counter}`;
  const { uri, peer } = remoteTarget(m.contact, src);
  const call: Call = {
    callId: m.callId, phase: 'answered', from: m.from, to: m.to, tag, ok: okResponse(m, tag, src),
    source: { address: src.address, port: src.port }, remoteUri: uri, target: peer, bye: undefined,
    timer: undefined, interval: T1, spent: 0,
  };
  calls.set(m.callId, call);
  send(call.ok, call.source);
  arm(call, T1);
}

function onAck(m: Scanned): void {
  const call = calls.get(m.callId);
  if (call?.phase !== 'answered') return; // a retransmitted ACK, or none of ours
  clearTimeout(call.timer);
  call.phase = 'confirmed';
  arm(call, WAIT_MS);
}

/**
 * A final response to our BYE ends the call: a 200, and also a 481 or 408 (§15.1.1); any final
 * response completes the transaction (§17.1.2.2). Provisional ones change nothing here.
 */
function onByeResponse(m: Scanned): void {
  const call = calls.get(m.callId);
  if (call?.phase !== 'ending' || m.status < 200) return;
  clearTimeout(call.timer);
  calls.delete(call.callId);
}

function startBye(call: Call): void {
  call.phase = 'ending';
  call.bye = byeRequest(call);
  call.interval = T1;
  call.spent = 0;
  send(call.bye, call.target);
  arm(call, T1);
}

/**
 * The call's one timer. Answered: the 200 again at T1, 2*T1… capped at T2; with no ACK after
 * 64*T1 the session ends with a BYE (§13.3.1.4). Confirmed: the wait is over, BYE. Ending:
 * Timer E, the BYE again at the same intervals, and Timer F: gone after 64*T1.
 */
function onTimer(call: Call): void {
  if (call.phase === 'confirmed') return startBye(call);
  call.spent += call.interval;
  if (call.spent >= GIVE_UP_MS) {
    if (call.phase === 'answered') return startBye(call);
    calls.delete(call.callId);
    return;
  }
  if (call.phase === 'answered') send(call.ok, call.source);
  else if (call.bye !== undefined) send(call.bye, call.target);
  call.interval = Math.min(call.interval * 2, T2);
  arm(call, call.interval);
}

socket.on('message', (data: Buffer, src: RemoteInfo) => {
  const m = scan(data.toString('latin1'));
  if (m === undefined || m.callId === '') return;
  if (m.method === 'INVITE') onInvite(m, src);
  else if (m.method === 'ACK') onAck(m);
  else if (m.status !== 0 && m.cseq.slice(m.cseq.lastIndexOf(' ') + 1) === 'BYE') onByeResponse(m);
});

/** Connected now, as the gateway's: profiles start from a warm session. */
const commands = profileCommands();

/** The stdin protocol of the module comment, with the gateway's event-loop sampling (5 ms resolution). */
function serveControl(): void {
  process.stdout.write(`${JSON.stringify({ sipPort })}\n`);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, arg] = line.trim().split(' ');
    if (command !== undefined && Object.hasOwn(commands, command)) return commands[command as keyof typeof commands](arg);
    if (command !== 'stats') return;
    const u = process.cpuUsage();
    const stats = {
      calls: calls.size, atMs: performance.now(), cpuMs: (u.user + u.system) / 1000, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
    };
    loop.reset();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  process.on('SIGTERM', () => socket.close(() => process.exit(0)));
}

serveControl();
