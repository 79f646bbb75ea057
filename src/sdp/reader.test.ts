/**
 * readSdp against sdp-transform's `parse` as its oracle: on every sample and on mutations of
 * them, every field offer/answer reads must be the same value (number or text, set or not).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'sdp-transform';
import { readSdp } from './reader.ts';
import * as S from './samples.ts';
import type { SdpDescription, SdpMedia } from './types.ts';

const SAMPLES: readonly string[] = Object.values(S).filter((v): v is string => typeof v === 'string');

/** The fields offer/answer reads (see SdpDescription), from either parser's output. */
function project(d: SdpDescription) {
  return {
    timing: d.timing === undefined ? undefined : { start: d.timing.start, stop: d.timing.stop },
    ip: d.connection?.ip,
    direction: d.direction,
    media: d.media.map(projectMedia),
  };
}

function projectMedia(m: SdpMedia) {
  return {
    type: m.type,
    port: m.port,
    protocol: m.protocol,
    payloads: m.payloads,
    rtp: m.rtp.map((r) => ({ payload: r.payload, codec: r.codec, rate: r.rate, encoding: r.encoding })),
    fmtp: m.fmtp.map((f) => ({ payload: f.payload, config: f.config })),
    direction: m.direction,
    ip: m.connection?.ip,
    ptime: m.ptime,
    rtcpPort: m.rtcp?.port,
    rtcpMux: m.rtcpMux,
  };
}

/** Asserts both parsers give the same fields; deepStrictEqual tells 0 from '0' and NaN equals NaN. */
function agree(text: string): void {
  const expected = project(parse(text) as unknown as SdpDescription);
  assert.deepStrictEqual(project(readSdp(text)), expected, JSON.stringify(text));
}

/** Characters the grammar's classes tell apart: digits, `\w`, `/`, `.`, `-`, and ASCII and Unicode white space. */
const CHARS = ['0', '1', '8', '9', '.', '/', '-', '_', 'a', 'P', 'N', 'I', 'e', '|', ':', '=', '*', ' ', ' ', '\t', '\v', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff', 'é', '\ud83d'];
/** Values that are numbers to sdp-transform's `toIntIfInt`, or only nearly. */
const VALUES = ['', '0', '00', '08', '8000', '-1', '-0', '1e3', 'NaN', 'Infinity', '20.5', '20.', '.5', '1.2.3', '1000000000000000', '12345678901234567', '9/2', 'x'];
const junk = fc.oneof(
  fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 12 }),
  fc.constantFrom(...VALUES),
  fc.string({ maxLength: 8 }),
);
/** Attribute names: the ones read, every grammar entry sharing a prefix with them, and near misses. */
const ATTRS = [
  'rtpmap:', 'fmtp:', 'rtcp:', 'rtcp-mux', 'rtcp-mux-only', 'rtcp-fb:', 'rtcp-rsize', 'rtcp-xr:', 'ptime:', 'maxptime:',
  'sendrecv', 'sendonly', 'recvonly', 'inactive', 'sendrecvx', 'control:', 'extmap:', 'mid:', 'msid:', 'setup:', 'ssrc:',
  'group:', 'Sendrecv', 'rtpmap', 'rtcp', '',
];
const sep = fc.constantFrom('', ' ', '  ', '\t', '\u00a0');
const token = fc.oneof(junk, fc.constantFrom('PCMU', 'telephone-event', 'opus', 'G.729', '0-16', 'annexb=no'));

/** New lines in the shapes the reader reads, each part valid or not. */
const generatedLine = fc.oneof(
  fc.tuple(fc.constantFrom(...ATTRS), junk).map(([name, value]) => `a=${name}${value}`),
  fc.tuple(junk, token, sep, junk, sep, junk, fc.nat(2)).map(([pt, codec, s1, rate, s2, enc, parts]) =>
    `a=rtpmap:${pt} ${codec}${parts > 0 ? `${s1}/${rate}` : ''}${parts > 1 ? `${s2}/${enc}` : ''}`),
  fc.tuple(junk, sep, token).map(([pt, s, config]) => `a=fmtp:${pt}${s} ${config}`),
  fc.tuple(
    fc.constantFrom('audio', 'video', '', '123', 'aud io', 'audio2'),
    fc.oneof(fc.constantFrom('0', '9', '00', '9/2', 'x', '', '65536'), junk),
    fc.constantFrom('RTP/AVP', 'RTP/AVPF', 'UDP/TLS/RTP/SAVPF', '', 'RTP/AVP;x', '12'),
    fc.oneof(fc.constantFrom('', ' ', ' 0', ' 8', ' 0 8 101', ' 96', ' 0\u2028 8', '  0'), junk.map((j) => ` ${j}`)),
  ).map(([type, port, proto, formats]) => `m=${type} ${port} ${proto}${formats}`),
  fc.tuple(fc.constantFrom('IN IP4 ', 'IN IP6 ', 'IN IP44 ', 'IN IP ', 'in ip4 ', 'IN IP4\t', 'IN IP4  '), fc.oneof(fc.constantFrom('0.0.0.0', '192.0.2.1', '::'), junk))
    .map(([head, ip]) => `c=${head}${ip}`),
  fc.tuple(junk, sep, junk).map(([start, s, stop]) => `t=${start}${s} ${stop}`),
);

/** One edit of a sample's lines. */
const edit = fc.tuple(fc.constantFrom('drop', 'dup', 'mangle', 'value', 'space', 'insert'), fc.nat(60), fc.nat(80), junk, generatedLine, sep);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(lines: string[], [kind, n, pos, value, line, space]: Edit): void {
  const i = n % (lines.length + 1);
  const old = lines[i] ?? '';
  if (kind === 'drop') lines.splice(i, 1);
  else if (kind === 'dup') lines.splice(i, 0, old);
  else if (kind === 'mangle') lines[i] = old.slice(0, 2) + value;
  else if (kind === 'space') lines[i] = old.slice(0, pos % (old.length + 1)) + space + old.slice(pos % (old.length + 1));
  else if (kind === 'insert') lines.splice(i, 0, line);
  else {
    // The attribute's value (after `:`), or the line's last field, replaced.
    const cut = old.startsWith('a=') && old.includes(':') ? old.indexOf(':') + 1 : old.lastIndexOf(' ') + 1;
    lines[i] = old.slice(0, Math.max(cut, 2)) + value;
  }
}

describe('readSdp against sdp-transform', () => {
  it('reads every sample as sdp-transform does', () => {
    assert.ok(SAMPLES.length >= 15);
    for (const sample of SAMPLES) agree(sample);
  });

  it('reads mutated samples as sdp-transform does (any line ends)', () => {
    const ends = fc.array(fc.constantFrom('\r\n', '\n', '\r', '\r\r\n', '\n\r'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.array(edit, { maxLength: 6 }), ends, (sample, edits, eol) => {
        const lines = sample.split('\r\n');
        for (const e of edits) applyEdit(lines, e);
        agree(lines.map((l, i) => l + (eol[i % eol.length] as string)).join(''));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads arbitrary text as sdp-transform does', () => {
    const piece = fc.oneof(
      fc.constantFrom('\r', '\n', '\r\n', 'm=', 'a=', 'c=', 't=', 'm=audio 9 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'c=IN IP4 1'),
      fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 6 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 24 }), (parts) => agree(parts.join(''))), { numRuns: 1000 });
  });
});

describe('readSdp on single lines', () => {
  const head = 'v=0\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
  /** The one media description of `head` + `m=audio 9 RTP/AVP 0` + `lines`, checked against the oracle too. */
  function media(...lines: string[]): SdpMedia {
    const text = `${head}m=audio 9 RTP/AVP 0\r\n${lines.map((l) => `${l}\r\n`).join('')}`;
    agree(text);
    return readSdp(text).media[0] as SdpMedia;
  }

  it('gives numbers for canonical numbers only', () => {
    const m = media('a=rtpmap:96 opus/48000/2', 'a=rtpmap:08 PCMA/08000', 'a=ptime:20.', 'a=fmtp:101 0-16');
    assert.deepStrictEqual(m.rtp, [{ payload: 96, codec: 'opus', rate: 48000, encoding: 2 }, { payload: '08', codec: 'PCMA', rate: '08000' }]);
    assert.equal(m.ptime, '20.');
    assert.deepStrictEqual(m.fmtp, [{ payload: 101, config: '0-16' }]);
    assert.equal(m.payloads, 0);
    assert.equal(m.port, 9);
  });
  it('one format is a number, several are text', () => {
    assert.equal(readSdp(`${head}m=audio 9 RTP/AVP 0 8 101\r\n`).media[0]?.payloads, '0 8 101');
  });
  it('reads the prefix as the grammar does: rtcp-mux-only, sendonly2', () => {
    const m = media('a=rtcp-mux-only', 'a=sendonly2');
    assert.equal(m.rtcpMux, 'rtcp-mux');
    assert.equal(m.direction, 'sendonly');
  });
  it('the last duplicate wins; rtpmap and fmtp keep every line', () => {
    const m = media('a=ptime:20', 'a=ptime:30', 'a=inactive', 'a=sendrecv', 'a=rtcp:5000', 'a=rtcp:5002 IN IP4 192.0.2.1', 'c=IN IP4 0.0.0.0', 'c=IN IP6 ::');
    assert.equal(m.ptime, 30);
    assert.equal(m.direction, 'sendrecv');
    assert.deepStrictEqual(m.rtcp, { port: 5002 });
    assert.deepStrictEqual(m.connection, { ip: '::' });
  });
  it('white space before an rtpmap slash, not after it; an fmtp stops at a tab', () => {
    const m = media('a=rtpmap:0 PCMU /8000 /1', 'a=rtpmap:8 PCMA/ 8000', 'a=fmtp:0 a=1; b=2\tc=3');
    assert.deepStrictEqual(m.rtp, [{ payload: 0, codec: 'PCMU', rate: 8000, encoding: 1 }, { payload: 8, codec: 'PCMA', rate: '' }]);
    assert.deepStrictEqual(m.fmtp, [{ payload: 0, config: 'a=1; b=2' }]);
  });
  it('a port/count or non-numeric port leaves the m-line without fields', () => {
    for (const line of ['m=audio 9/2 RTP/AVP 0', 'm=audio x RTP/AVP 0', 'm=audio']) {
      const text = `${head}${line}\r\n`;
      agree(text);
      assert.deepStrictEqual(readSdp(text).media, [{ rtp: [], fmtp: [] }]);
    }
  });
  it('session-level fields; t= after an m= is not the session\'s', () => {
    const d = readSdp('v=0\nc=IN IP4 198.51.100.1\nt=1 2\na=recvonly\nm=audio 9 RTP/AVP 0\nt=3 4\n');
    assert.deepStrictEqual(d.timing, { start: 1, stop: 2 });
    assert.deepStrictEqual(d.connection, { ip: '198.51.100.1' });
    assert.equal(d.direction, 'recvonly');
    assert.equal(d.media[0]?.direction, undefined);
  });
  it('lines not starting with <letter>= are skipped; CR, LF and CRLF all end lines', () => {
    const d = readSdp('v=0\r m=audio 1 RTP/AVP 0\nM=audio 2 RTP/AVP 0\r\nm=audio 3 RTP/AVP 0\ra=sendonly');
    assert.equal(d.media.length, 1);
    assert.equal(d.media[0]?.port, 3);
    assert.equal(d.media[0]?.direction, 'sendonly');
  });
});
