/**
 * Property tests of the message layer (fast-check): the parser never throws whatever the
 * bytes, serialize∘parse is the identity on what we generate, and stream framing finds
 * the original messages however the stream is cut.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseNameAddr } from './address.ts';
import { SipParseError } from './errors.ts';
import { findFrame } from './framing.ts';
import { quote } from './grammar.ts';
import { headerKey } from './headers.ts';
import { SipRequest, SipResponse, type AnyMessage } from './message.ts';
import { parseMessage, type ParseResult } from './parser.ts';
import { serialize } from './serialize.ts';
import { rawMessage, requestLines } from './test-messages.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';

// --- (a) robustness ------------------------------------------------------------------

/** The result must be a value, never an exception; views of a parsed message throw only SipParseError. */
function checkResult(r: ParseResult): void {
  if (!r.ok) {
    assert.ok(r.error instanceof SipParseError);
    assert.equal(typeof r.error.code, 'string');
    assert.ok(r.error.status === 400 || r.error.status === 505 || r.error.status === 513);
    assert.doesNotMatch(r.error.reason, /[\r\n]/);
    return;
  }
  const m = r.message;
  for (const read of [() => m.vias, () => m.from, () => m.to, () => m.cseq, () => m.callId, () => m.contacts,
    () => m.routes, () => m.recordRoutes, () => m.contentType, () => m.getAll('allow'), () => serialize(m)]) {
    try {
      read();
    } catch (e) {
      assert.ok(e instanceof SipParseError, `unexpected ${String(e)}`);
    }
  }
}

const BASE = rawMessage([...requestLines(), 'Route: <sip:p.example.com;lr>', 'Content-Type: application/sdp', 'Content-Length: 10'], 'v=0\r\ns=-\r\n');
const SPECIAL = [0, 9, 10, 13, 32, 34, 44, 58, 59, 60, 62, 64, 91, 93, 0xc3, 0xff].map((b) => Buffer.from([b]));

type Mutation = { at: number; op: 'flip' | 'insert' | 'delete' | 'truncate'; byte: number; special: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'insert', 'delete', 'truncate'),
  byte: fc.integer({ min: 0, max: 255 }),
  special: fc.nat(SPECIAL.length - 1),
});

function mutate(buf: Buffer, m: Mutation): Buffer {
  if (buf.length === 0) return buf;
  const at = m.at % buf.length;
  const ins = m.byte % 2 === 0 ? (SPECIAL[m.special] as Buffer) : Buffer.from([m.byte]);
  if (m.op === 'flip') return Buffer.concat([buf.subarray(0, at), Buffer.from([buf[at]! ^ (1 << (m.byte % 8))]), buf.subarray(at + 1)]);
  if (m.op === 'insert') return Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]);
  if (m.op === 'delete') return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]);
  return buf.subarray(0, at);
}

describe('parseMessage never throws', () => {
  it('on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), (bytes, stream) => {
      checkResult(parseMessage(Buffer.from(bytes), { stream }));
    }), { numRuns: 2500 });
  });

  it('on arbitrary text made of SIP-looking pieces', () => {
    const piece = fc.constantFrom('INVITE ', 'SIP/2.0', ' 200 OK', 'sip:', 'a@b', '<', '>', '"', ';', ',', ':', '\r\n', '\n', ' ',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: x', 'Call-ID: 1', 'CSeq: 1 INVITE', 'l: 0', '[::1]', '%00', 'é');
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
      checkResult(parseMessage(Buffer.from(pieces.join(''))));
    }), { numRuns: 2000 });
  });

  it('on mutations of a valid INVITE: flips, insertions, deletions, truncations', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.boolean(), (mutations, stream) => {
      const buf = mutations.reduce(mutate, BASE);
      checkResult(parseMessage(buf, { stream }));
    }), { numRuns: 3000 });
  });

  it('under tight limits', () => {
    const limits = fc.record({ maxMessageBytes: fc.nat(2000), maxHeaders: fc.nat(20), maxLineLength: fc.nat(200) });
    fc.assert(fc.property(fc.array(mutation, { maxLength: 3 }), limits, (mutations, l) => {
      checkResult(parseMessage(mutations.reduce(mutate, BASE), { limits: l }));
    }), { numRuns: 1000 });
  });
});

// --- (b) round trip ------------------------------------------------------------------

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~';
const tokenOf = (chars: string, max = 12): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: max });
const token = tokenOf(TOKEN_CHARS);
const alnum = tokenOf('abcdefghijklmnopqrstuvwxyz0123456789', 8);
const label = fc.tuple(alnum, fc.option(alnum, { nil: undefined })).map(([a, b]) => (b === undefined ? a : `${a}-${b}`));
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((p) => `[${p.map((x) => x.toString(16)).join(':')}]`);
const host = fc.oneof(hostname, ipv4, ipv6);
const user = fc.oneof(tokenOf('abcdefghijklmnopqrstuvwxyz0123456789-_.!~*\'()&=+$,;?/', 10),
  fc.constantFrom('%40escaped', 'a%20b', '+14155550123'));
const uriParam = fc.tuple(token, fc.option(token, { nil: undefined })).map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`));
const uri = fc.record({
  scheme: fc.constantFrom('sip', 'sips'),
  user: fc.option(user, { nil: undefined }),
  host,
  port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
  params: fc.array(uriParam, { maxLength: 3 }),
}).map((u) => `${u.scheme}:${u.user === undefined ? '' : `${u.user}@`}${u.host}${u.port === undefined ? '' : `:${u.port}`}${u.params.join('')}`);

/** Keys the parser validates or the serializer writes: generated extra headers avoid them. */
const RESERVED = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'content-type', 'max-forwards',
  'contact', 'route', 'record-route', 'expires', 'date']);
const safeChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom(' ', '\t', 'é', '電', '🙂') },
);
const headerValue = fc.string({ unit: safeChar, maxLength: 40 }).map((v) => v.trim());
const extraHeader = fc.tuple(token.filter((n) => !RESERVED.has(headerKey(n))), headerValue);

interface Spec {
  method: string;
  uri: string;
  extras: Array<[string, string]>;
  body: Uint8Array;
  seq: number;
  fromUri: string;
  tag: string;
}
const spec: fc.Arbitrary<Spec> = fc.record({
  method: token,
  uri,
  extras: fc.array(extraHeader, { maxLength: 10 }),
  body: fc.uint8Array({ maxLength: 300 }),
  seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fromUri: uri,
  tag: token,
});

/** A request built through the public API from a spec. */
function build(s: Spec): SipRequest {
  const req = new SipRequest(s.method, parseUri(s.uri))
    .append('Via', 'SIP/2.0/UDP gw.example.com:5060;branch=z9hG4bK1;rport')
    .append('From', `<${s.fromUri}>;tag=${s.tag}`)
    .append('To', `<${s.uri}>`)
    .append('Call-ID', `${s.tag}@gw.example.com`)
    .append('CSeq', `${s.seq} ${s.method}`);
  for (const [name, value] of s.extras) req.append(name, value);
  req.body = Buffer.from(s.body);
  return req;
}

const lines = (m: AnyMessage): string[] => m.headers.filter((h) => h.key !== 'content-length').map((h) => `${h.name}: ${h.value}`);

describe('serialize then parse is the identity', () => {
  it('on generated requests: method, URI, headers in order, body', () => {
    fc.assert(fc.property(spec, (s) => {
      const req = build(s);
      const r = parseMessage(serialize(req), { stream: true });
      if (!r.ok) assert.fail(`${r.error.code}: ${r.error.reason}\n${serialize(req).toString()}`);
      const back = r.message as SipRequest;
      assert.equal(back.method, s.method);
      assert.equal(back.uri.toString(), req.uri.toString());
      assert.deepEqual(lines(back), lines(req));
      assert.deepEqual(back.body, req.body);
      assert.equal(back.cseq.seq, s.seq);
      assert.equal(back.from.tag, s.tag);
      assert.equal(back.from.uri.toString(), parseUri(s.fromUri).toString());
    }), { numRuns: 1000 });
  });

  it('on generated URIs: parse(toString(parse(u))) keeps every part', () => {
    fc.assert(fc.property(uri, (text) => {
      const u = parseUri(text);
      const again = parseUri(u.toString());
      assert.deepEqual([again.scheme, again.user, again.host, again.port, again.params.list],
        [u.scheme, u.user, u.host, u.port, u.params.list]);
    }), { numRuns: 1000 });
  });

  it('on generated Via values, whatever the LWS around slashes and parameters', () => {
    const lws = fc.constantFrom('', ' ', '  ', '\t', ' \t ');
    const via = fc.record({ ws: fc.array(lws, { minLength: 6, maxLength: 6 }), transport: token, host, branch: token,
      port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }), rport: fc.boolean() });
    fc.assert(fc.property(via, (v) => {
      const [a, b, c, d, e, f] = v.ws as [string, string, string, string, string, string];
      const port = v.port === undefined ? '' : `:${v.port}`;
      const text = `${a}SIP${b}/${c}2.0${d}/${e}${v.transport} ${v.host}${port}${f};${f}branch${f}=${f}${v.branch}${v.rport ? ';rport' : ''}${f}`;
      const parsed = parseVia(text);
      assert.deepEqual([parsed.transport, parsed.host, parsed.port, parsed.branch, parsed.params.has('rport')],
        [v.transport.toUpperCase(), v.host, v.port, v.branch, v.rport]);
      assert.equal(parseVia(parsed.toString()).toString(), parsed.toString());
    }), { numRuns: 1000 });
  });

  it('on generated name-addr values, with quoted display names', () => {
    const display = fc.option(fc.string({ unit: fc.oneof(safeChar, fc.constantFrom('"', '\\')), maxLength: 20 }), { nil: undefined });
    fc.assert(fc.property(display, uri, fc.array(uriParam, { maxLength: 3 }), (name, u, params) => {
      const text = `${name === undefined ? '' : `${quote(name)} `}<${u}>${params.join('')}`;
      const a = parseNameAddr(text);
      assert.equal(a.displayName, name);
      assert.equal(a.params.toString(), params.join(''));
      assert.equal(parseNameAddr(a.toString()).toString(), a.toString());
    }), { numRuns: 1000 });
  });

  it('on generated responses, with any reason phrase', () => {
    const reason = fc.string({ unit: safeChar, maxLength: 30 }).map((v) => v.trim());
    fc.assert(fc.property(fc.integer({ min: 100, max: 699 }), reason, spec, (status, text, s) => {
      const res = new SipResponse(status, text);
      for (const h of build(s).headers) res.append(h.name, h.value);
      const r = parseMessage(serialize(res));
      if (!r.ok) assert.fail(`${r.error.code}: ${r.error.reason}`);
      const back = r.message as SipResponse;
      assert.equal(back.status, status);
      assert.equal(back.reason, text);
      assert.deepEqual(lines(back), lines(res));
    }), { numRuns: 500 });
  });
});

// --- (c) framing ---------------------------------------------------------------------

/** Feeds `chunks` to findFrame as a transport would and returns the messages found. */
function frame(chunks: Buffer[]): Buffer[] {
  let buf = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const r = findFrame(buf);
      if (r.kind === 'incomplete') break;
      if (r.kind === 'error') assert.fail(r.reason);
      if (r.kind === 'message') out.push(Buffer.from(buf.subarray(0, r.length)));
      buf = buf.subarray(r.length);
    }
  }
  assert.equal(buf.length, 0, 'bytes left over');
  return out;
}

describe('findFrame on a stream cut anywhere', () => {
  it('never throws, and never reports a frame longer than the buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const r = findFrame(Buffer.from(bytes), 400);
      if (r.kind === 'message' || r.kind === 'keepalive') assert.ok(r.length > 0 && r.length <= bytes.length);
    }), { numRuns: 2000 });
  });

  it('yields exactly the original messages', () => {
    const messages = fc.array(spec.map((s) => serialize(build(s))), { minLength: 1, maxLength: 5 });
    const gaps = fc.array(fc.constantFrom('', '', '\r\n', '\r\n\r\n'), { minLength: 5, maxLength: 5 });
    fc.assert(fc.property(messages, gaps, fc.array(fc.nat(), { maxLength: 12 }), (msgs, gap, cuts) => {
      const stream = Buffer.concat(msgs.flatMap((m, i) => [Buffer.from(gap[i] ?? ''), m]));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const p of [...points, stream.length]) {
        chunks.push(stream.subarray(last, p));
        last = p;
      }
      assert.deepEqual(frame(chunks), msgs);
    }), { numRuns: 500 });
  });
});
