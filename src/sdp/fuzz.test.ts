import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SdpError } from './errors.ts';
import { answerOffer } from './negotiate.ts';
import { parseAnswer } from './offer.ts';
import * as S from './samples.ts';

const LOCAL = { address: '203.0.113.7', port: 40000, sessionId: '1' };
const SAMPLES = [S.ASTERISK_OFFER, S.FREESWITCH_OFFER, S.LINPHONE_OFFER, S.AUDIO_VIDEO_OFFER, S.IPV6_OFFER, S.RTCP_MUX_OFFER];

/** Runs `fn`; only success or an SdpError is allowed. */
function onlySdpErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SdpError, `non-SdpError escaped: ${String(err)}`);
  }
}

describe('fuzz: never an error other than SdpError', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        onlySdpErrors(() => answerOffer(text, LOCAL));
        onlySdpErrors(() => parseAnswer(text, ['PCMU', 'PCMA']));
      }),
      { numRuns: 500 },
    );
  });
  it('real offers with lines dropped, duplicated or mangled', () => {
    const mutation = fc.record({
      sample: fc.constantFrom(...SAMPLES),
      drop: fc.nat(30),
      dup: fc.nat(30),
      line: fc.nat(30),
      junk: fc.string({ maxLength: 12 }),
    });
    fc.assert(
      fc.property(mutation, ({ sample, drop, dup, line, junk }) => {
        const lines = sample.split('\r\n');
        lines.splice(drop % lines.length, 1);
        const copy = lines[dup % lines.length] ?? '';
        lines.splice(dup % lines.length, 0, copy);
        const i = line % lines.length;
        lines[i] = (lines[i] ?? '').slice(0, 2) + junk;
        const text = lines.join('\r\n');
        onlySdpErrors(() => answerOffer(text, LOCAL));
        onlySdpErrors(() => parseAnswer(text, { codecs: ['PCMU'], telephoneEventPt: 101 }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('property: the chosen codec is the first supported one in offer order', () => {
  it('any order of 0, 8, 18, 9, 3', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 8, 18, 9, 3], { minLength: 1 }), (pts) => {
        const offer = S.SIPP_UAC_OFFER.replace('RTP/AVP 0', `RTP/AVP ${pts.join(' ')} 101`).replace(
          'a=rtpmap:0 PCMU/8000',
          'a=rtpmap:101 telephone-event/8000',
        );
        const first = pts.find((pt) => pt === 0 || pt === 8);
        try {
          const { media } = answerOffer(offer, LOCAL);
          assert.equal(media.codec.pt, first);
          assert.equal(media.codec.name, first === 0 ? 'PCMU' : 'PCMA');
        } catch (err) {
          assert.equal(first, undefined);
          assert.ok(err instanceof SdpError && err.code === 'sdp_no_common_codec');
        }
      }),
    );
  });
});
