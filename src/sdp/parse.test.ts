import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SdpError } from './errors.ts';
import { checkSdpLines } from './parse.ts';
import * as S from './samples.ts';

/** The check as it was written first (split, filter, regex): the oracle of the scanning one. */
function oracle(text: string): string | undefined {
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'v=0') return 'SDP must start with v=0';
  const bad = lines.findIndex((l) => !/^[a-z]=/.test(l));
  return bad >= 0 ? `malformed SDP line [line:${bad + 1}]` : undefined;
}

function actual(text: string): string | undefined {
  try {
    checkSdpLines(text);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SdpError);
    assert.equal(err.code, 'sdp_invalid');
    return err.message;
  }
}

describe('checkSdpLines', () => {
  it('accepts the sample offers', () => {
    for (const sample of [S.ASTERISK_OFFER, S.FREESWITCH_OFFER, S.LINPHONE_OFFER, S.IPV6_OFFER]) assert.equal(actual(sample), undefined);
  });
  it('agrees with the split-and-filter check on edge cases', () => {
    const cases = [
      '', '\r\n', 'v=0', ' v=0 \r\n', '\n\nv=0\r\n\r\ns=-', 'v=0\r\n s=-', 'v=0\rs=-\ns=x\r\n', 'v=1\r\n', 'x=0',
      'v=0\r\n\u00a0\r\nS=-', 'v=0\r\n\u2028s=-', 'v=0\r\n\t\r\nm=audio 1 RTP/AVP 0', 'v=0\r\n=x', 'v=0\r\n\ufeff',
    ];
    for (const c of cases) assert.equal(actual(c), oracle(c), JSON.stringify(c));
  });
  it('agrees with the split-and-filter check on arbitrary text', () => {
    const piece = fc.constantFrom('v=0', 's=-', 'm=audio 0 RTP/AVP 0', ' ', '\t', '\r', '\n', '\r\n', 'X=', 'a', '=', '\u00a0', '\u2028');
    fc.assert(fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 20 }), (parts) => {
      const text = parts.join('');
      assert.equal(actual(text), oracle(text));
    }), { numRuns: 2000 });
  });
  it('a body of blank lines is checked in linear time', () => {
    const text = `v=0\r\n${' \n'.repeat(30_000)}s=-`;
    const t0 = performance.now();
    assert.equal(actual(text), undefined);
    assert.ok(performance.now() - t0 < 200);
  });
});
