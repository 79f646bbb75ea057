/**
 * The direct SDP writer (build.ts `serialize`) against sdp-transform's writer: the same
 * bytes for every description this layer builds, answers to every sample offer that parse
 * back to the same description, and sdp-transform for anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, write, type SessionDescription } from 'sdp-transform';
import fc from 'fast-check';
import {
  audioMedia, ipVersion, rejectedMedia, serialize, sessionSkeleton, writeAudioMedia, writeRejectedMedia, writeSessionHead, type AudioLine,
} from './build.ts';
import { answerOffer } from './negotiate.ts';
import { offerDescription } from './offer.ts';
import * as samples from './samples.ts';
import type { AnswerOptions } from './types.ts';

const OFFERS = Object.entries(samples).filter((e): e is [string, string] => typeof e[1] === 'string');

const LOCALS: AnswerOptions[] = [
  { address: '203.0.113.5', port: 20000, sessionId: '42' },
  { address: '2001:db8::5', port: 20002, sessionId: '7', sessionVersion: 3, username: 'gw' },
  { address: '203.0.113.5', port: 20004, codecs: ['PCMA'], telephoneEvent: false, ptime: 30 },
];

/** sdp-transform's own bytes (its writer fills in fields, so it gets a copy). */
function reference(session: SessionDescription): string {
  return write(structuredClone(session));
}

test('every answer to a sample offer is what sdp-transform writes, and parses back the same', () => {
  let answered = 0;
  for (const [name, offer] of OFFERS) {
    for (const local of LOCALS) {
      let answer: string;
      try {
        answer = answerOffer(offer, local).answer;
      } catch {
        continue; // an offer with no common codec for these options (488): nothing written
      }
      answered++;
      const parsed = parse(answer);
      assert.equal(write(structuredClone(parsed)), answer, `${name} re-written by sdp-transform`);
      assert.deepEqual(parse(reference(parsed)), parsed, `${name} parses back identically`);
    }
  }
  assert.ok(answered >= OFFERS.length, `answers written: ${answered}`);
});

test('the descriptions this layer builds are written byte for byte as sdp-transform does', () => {
  const cases: SessionDescription[] = [];
  for (const address of ['192.0.2.1', '2001:db8::1']) {
    const s = sessionSkeleton({ username: 'agentline', sessionId: '123456789012345', sessionVersion: 2, address });
    s.timing = { start: 3034423619, stop: 0 };
    s.media = [
      audioMedia({
        port: 4000, protocol: 'RTP/AVP', codecs: [{ name: 'PCMU', pt: 0 }, { name: 'PCMA', pt: 8 }],
        telephoneEvent: { pt: 101, fmtp: '0-16' }, ptime: 20, direction: 'sendonly', rtcpMux: true,
      }),
      rejectedMedia('video', 'RTP/AVP', '96 97'),
      rejectedMedia('application', 'UDP/DTLS/SCTP', ''),
    ];
    cases.push(s);
  }
  cases.push(offerDescription({ address: '198.51.100.1', port: 5004, rtcpMux: true, direction: 'inactive', sessionId: '1' }));
  const withEncoding = offerDescription({ address: '198.51.100.1', port: 5004, telephoneEvent: false, sessionId: '1' });
  withEncoding.media[0]!.rtp[0]!.encoding = 1;
  cases.push(withEncoding);
  for (const c of cases) assert.equal(serialize(c), reference(c));
});

test('a description with other fields goes through sdp-transform', () => {
  const s = offerDescription({ address: '198.51.100.1', port: 5004, sessionId: '1' });
  s.bandwidth = [{ type: 'AS', limit: 64 }];
  s.media[0]!.rtcp = { port: 5005 };
  const text = serialize(s);
  assert.equal(text, reference(s));
  assert.match(text, /\r\nb=AS:64\r\n/);
  assert.match(text, /\r\na=rtcp:5005\r\n/);
});

test('the text writers (answers) give the bytes of serialize() on the descriptions they stand for', () => {
  const codec = fc.record({ name: fc.constantFrom('PCMU' as const, 'PCMA' as const), pt: fc.integer({ min: 0, max: 127 }) });
  const line: fc.Arbitrary<AudioLine> = fc.record({
    port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('RTP/AVP', 'RTP/AVPF'),
    codecs: fc.array(codec, { minLength: 1, maxLength: 3 }),
    telephoneEvent: fc.option(fc.record({ pt: fc.integer({ min: 96, max: 127 }), fmtp: fc.option(fc.constantFrom('0-16', '0-15,66'), { nil: undefined }) }), { nil: undefined }),
    ptime: fc.integer({ min: 1, max: 200 }),
    direction: fc.constantFrom('sendrecv' as const, 'sendonly' as const, 'recvonly' as const, 'inactive' as const),
    rtcpMux: fc.boolean(),
  });
  const rejected = fc.record({ type: fc.constantFrom('video', 'application'), protocol: fc.constantFrom('RTP/AVP', 'UDP/TLS/RTP/SAVPF'), formats: fc.constantFrom('', '96 97', '0') });
  const timing = fc.option(fc.record({ start: fc.nat(), stop: fc.nat() }), { nil: undefined });
  fc.assert(fc.property(
    fc.constantFrom('192.0.2.1', '2001:db8::1', 'gw.example.com'), fc.nat(), timing, line, fc.array(rejected, { maxLength: 2 }),
    (address, version, t, audio, others) => {
      const origin = { username: 'agentline', sessionId: '42', sessionVersion: version, address };
      const s = sessionSkeleton(origin);
      if (t !== undefined) s.timing = { start: t.start, stop: t.stop };
      s.media = [audioMedia(audio), ...others.map((r) => rejectedMedia(r.type, r.protocol, r.formats))];
      const text = writeSessionHead(origin, t) + writeAudioMedia(audio) + others.map((r) => writeRejectedMedia(r.type, r.protocol, r.formats)).join('');
      assert.equal(text, serialize(s));
    },
  ), { numRuns: 500 });
});

test('ipVersion: 6 for IPv6 literals (mapped and scoped too), 4 for IPv4 literals and host names', () => {
  for (const a of ['::1', '2001:db8::5', '::ffff:192.0.2.1', 'fe80::1', '::']) assert.equal(ipVersion(a), 6, a);
  for (const a of ['192.0.2.1', '0.0.0.0', 'gw.example.com', 'localhost']) assert.equal(ipVersion(a), 4, a);
  // A colon alone does not make an IPv6 literal.
  assert.equal(ipVersion('host:5060'), 4);
});
