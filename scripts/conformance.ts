/**
 * RFC 4475 conformance run: every torture message of ../shared/fixtures/rfc4475 (exact
 * bytes) through the parser, then over UDP and over TCP through a running stack (the
 * test UAS on the real transport, transaction and dialog layers). Valid messages must be
 * answered as their method requires; invalid ones answered 400/505 or dropped; after
 * each, the stack must still answer OPTIONS. Prints a table and `N passed, M failed`.
 *
 * UDP answers follow RFC 3261 §18.2.2: to the source address and the Via's sent-by port
 * (5060, 5061 for TLS, or the port written), so the runner listens on those ports.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseMessage, type SipResponse } from '../src/sip/index.ts';
import { startTestUas, type TestUas } from '../test/support/test-uas.ts';

const root = resolve(new URL('..', import.meta.url).pathname);
const dir = process.env.RFC4475_DIR ?? resolve(root, '../shared/fixtures/rfc4475');

/** What each valid message must get. `none`: no answer (responses, which match nothing). */
const VALID: Record<string, number | 'none'> = {
  badbranch: 200, bcast: 'none', bext01: 420, cparam01: 405, cparam02: 405, dblreq: 405,
  esc01: 486, esc02: 501, escnull: 405, intmeth: 501, inv2543: 486, invut: 415, longreq: 486,
  lwsdisp: 200, mpart01: 405, noreason: 'none', novelsc: 416, regaut01: 405, regescrt: 405,
  sdp01: 406, semiuri: 200, transports: 200, unkscm: 416, unksm2: 405, unreason: 'none',
  // wsinv's To carries a tag: an in-dialog request for a dialog we do not have (§12.2.2).
  wsinv: 481, zeromf: 200,
};
/** Over TCP, a message without Content-Length is malformed (RFC 3261 §18.3, §20.14). */
const TCP_OVERRIDES: Record<string, number> = { inv2543: 400 };
// The UAS under test rejects INVITEs with 486: a final answer is what the method requires.
const INVALID_ANSWERS = new Set([400, 505, 513]);

interface Fixture { name: string; valid: boolean; bytes: Buffer; callId: string | undefined }

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const kind of ['valid', 'invalid']) {
    for (const file of readdirSync(join(dir, kind)).sort()) {
      if (!file.endsWith('.sip')) continue;
      const bytes = readFileSync(join(dir, kind, file));
      const m = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(bytes.toString('latin1'));
      out.push({ name: file.slice(0, -4), valid: kind === 'valid', bytes, callId: m?.[1] });
    }
  }
  return out;
}

function viaPorts(fixtures: Fixture[]): number[] {
  const ports = new Set<number>([5060, 5061]);
  for (const f of fixtures) {
    for (const m of f.bytes.toString('latin1').matchAll(/^(?:Via|v)[ \t]*:.*?[A-Za-z0-9.\]]:(\d{2,5})/gim)) ports.add(Number(m[1]));
  }
  return [...ports];
}

/** Collects UDP answers by Call-ID on every port answers may go to. */
class UdpCollector {
  private sockets: UdpSocket[] = [];
  private answers = new Map<string, SipResponse[]>();

  async open(ports: number[]): Promise<void> {
    for (const port of ports) {
      const s = createSocket('udp4');
      await new Promise<void>((ok, fail) => { s.once('error', fail); s.bind(port, '127.0.0.1', () => ok()); });
      s.on('message', (buf) => this.collect(buf));
      this.sockets.push(s);
    }
  }

  collect(buf: Buffer): void {
    const r = parseMessage(buf);
    if (!r.ok || r.message.isRequest) return;
    const id = r.message.get('call-id') ?? '';
    this.answers.set(id, [...(this.answers.get(id) ?? []), r.message]);
  }

  finalFor(callId: string | undefined): SipResponse | undefined {
    return (this.answers.get(callId ?? '') ?? []).find((r) => r.status >= 200);
  }

  get sender(): UdpSocket {
    return this.sockets[0] as UdpSocket;
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined, ms: number): Promise<T | undefined> {
  for (let waited = 0; waited < ms; waited += 20) {
    const v = fn();
    if (v !== undefined) return v;
    await sleep(20);
  }
  return fn();
}

function verdict(f: Fixture, status: number | undefined, tcp = false): boolean {
  if (f.valid) return ((tcp ? TCP_OVERRIDES[f.name] : undefined) ?? VALID[f.name] ?? 'none') === (status ?? 'none');
  return status === undefined || INVALID_ANSWERS.has(status);
}

async function probeOptions(port: number, protocol: 'udp' | 'tcp'): Promise<boolean> {
  const id = `probe-${Math.random().toString(36).slice(2)}`;
  const msg = (local: number) => Buffer.from(
    `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${local};branch=z9hG4bK${id};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:runner@127.0.0.1>;tag=${id}\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`);
  const replies = protocol === 'udp' ? await udpExchange(port, msg, 1000) : await tcpExchange(port, msg(0), 1000);
  return replies.some((r) => r.status === 200);
}

async function udpExchange(port: number, build: (local: number) => Buffer, ms: number): Promise<SipResponse[]> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', () => ok()));
  const out: SipResponse[] = [];
  s.on('message', (buf) => { const r = parseMessage(buf); if (r.ok && !r.message.isRequest) out.push(r.message); });
  s.send(build(s.address().port), port, '127.0.0.1');
  await waitFor(() => (out.some((r) => r.status >= 200) ? true : undefined), ms);
  s.close();
  return out;
}

async function tcpExchange(port: number, bytes: Buffer, ms: number): Promise<SipResponse[]> {
  const out: SipResponse[] = [];
  const sock = connect(port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = buf.toString('latin1', 0, end);
      const cl = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + cl) break;
      const r = parseMessage(buf.subarray(0, end + 4 + cl), { stream: true });
      buf = buf.subarray(end + 4 + cl);
      if (r.ok && !r.message.isRequest) out.push(r.message);
    }
  });
  sock.on('error', () => {});
  await new Promise<void>((ok) => sock.once('connect', () => ok()).once('error', () => ok()));
  sock.write(bytes);
  await waitFor(() => (out.some((r) => r.status >= 200) ? true : undefined), ms);
  sock.destroy();
  return out;
}

async function runUdp(uas: TestUas, collector: UdpCollector, f: Fixture): Promise<number | undefined> {
  collector.sender.send(f.bytes, uas.port, '127.0.0.1');
  const final = await waitFor(() => collector.finalFor(f.callId), f.valid && VALID[f.name] === 'none' ? 300 : 1000);
  return final?.status;
}

async function runTcp(uas: TestUas, f: Fixture): Promise<number | undefined> {
  const replies = await tcpExchange(uas.port, f.bytes, f.valid && VALID[f.name] === 'none' ? 300 : 1000);
  return replies.find((r) => r.status >= 200)?.status;
}

async function main(): Promise<void> {
  const fixtures = loadFixtures();
  if (fixtures.length === 0) throw new Error(`no fixtures under ${dir}`);
  const collector = new UdpCollector();
  await collector.open(viaPorts(fixtures));
  const udpUas = await startTestUas({ rejectStatus: 486 });
  const tcpUas = await startTestUas({ rejectStatus: 486 });
  let passed = 0;
  let failed = 0;
  const show = (s: number | undefined) => String(s ?? '-').padEnd(5);
  console.log(`${'message'.padEnd(12)} ${'kind'.padEnd(8)} ${'want'.padEnd(8)} parse  udp   tcp   alive  result`);
  for (const f of fixtures) {
    const parsed = parseMessage(f.bytes);
    const parseOk = parsed.ok === f.valid;
    const udp = await runUdp(udpUas, collector, f);
    const tcp = await runTcp(tcpUas, f);
    const alive = (await probeOptions(udpUas.port, 'udp')) && (await probeOptions(tcpUas.port, 'tcp'));
    const ok = parseOk && verdict(f, udp) && verdict(f, tcp, true) && alive;
    if (ok) passed++;
    else failed++;
    const want = f.valid ? String(VALID[f.name]) : '400/drop';
    console.log(`${f.name.padEnd(12)} ${(f.valid ? 'valid' : 'invalid').padEnd(8)} ${want.padEnd(8)} ${(parsed.ok ? 'ok' : parsed.error.code.slice(0, 5)).padEnd(6)} ${show(udp)} ${show(tcp)} ${(alive ? 'yes' : 'NO').padEnd(6)} ${ok ? 'pass' : 'FAIL'}`);
  }
  collector.close();
  await udpUas.close();
  await tcpUas.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
