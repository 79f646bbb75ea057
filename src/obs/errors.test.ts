import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AgentlineError, ERRORS, errorFor, isErrorCode, toAgentlineError, toHttpError } from './errors.ts';
import type { ErrorCode } from './errors.ts';

describe('error catalogue', () => {
  it('lists the required codes with their statuses', () => {
    const expected: [ErrorCode, number | undefined, number | undefined][] = [
      ['route_token_unknown', 403, undefined],
      ['route_extension_unknown', 404, undefined],
      ['acl_denied', 403, undefined],
      ['agent_busy', 486, undefined],
      ['sdp_no_common_codec', 488, undefined],
      ['draining', 503, 503],
      ['overloaded', 503, 503],
      ['media_ports_exhausted', 503, undefined],
      ['media_bind_failed', 503, undefined],
      ['media_session_closed', 503, undefined],
      ['media_invalid_argument', undefined, undefined],
      ['media_io_failed', undefined, undefined],
      ['media_wav_invalid', undefined, undefined],
      ['media_wav_unsupported', undefined, undefined],
      ['media_tts_unavailable', undefined, undefined],
      ['media_tts_failed', undefined, undefined],
      ['bad_request', 400, 400],
      ['unauthorized', undefined, 401],
      ['not_found', undefined, 404],
      ['rate_limited', undefined, 429],
      ['unavailable', 503, 503],
      ['config_invalid', undefined, undefined],
      ['store_unavailable', 503, 503],
      ['agent_failed', undefined, undefined],
    ];
    for (const [code, sip, http] of expected) {
      const e = errorFor(code);
      assert.equal(e.sipStatus, sip, code);
      assert.equal(e.httpStatus, http, code);
    }
  });
  it('every entry has a message and a description; statuses are in range', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      assert.match(code, /^[a-z][a-z0-9_]*$/);
      assert.ok(spec.message.length > 0 && spec.description.length > 0, code);
      const s = spec as { sip?: number; http?: number };
      if (s.sip !== undefined) assert.ok(s.sip >= 400 && s.sip <= 699, code);
      if (s.http !== undefined) assert.ok(s.http >= 400 && s.http <= 599, code);
    }
  });
  it('covers the text-to-speech codes of src/media (MediaError codes adopted by toAgentlineError)', () => {
    for (const code of ['media_tts_unavailable', 'media_tts_failed']) {
      assert.ok(isErrorCode(code), code);
      const adopted = toAgentlineError(Object.assign(new Error('espeak-ng not found [media_tts_unavailable]'), { code }));
      assert.equal(adopted.code, code);
      assert.equal(adopted.sipStatus, undefined, 'mid-call: no SIP answer of its own');
      assert.equal(toHttpError(adopted).status, 500);
    }
  });
  it('covers every MediaError code of src/media (declared or thrown), so none is reported as internal', () => {
    const { declared, thrown } = mediaErrorCodes();
    assert.ok(declared.has('media_ports_exhausted') && thrown.has('media_bind_failed'), 'the source scan found the known codes');
    for (const code of new Set([...declared, ...thrown])) {
      assert.ok(isErrorCode(code), `${code} is missing from ERRORS`);
      assert.equal(toAgentlineError(Object.assign(new Error(code), { code })).code, code);
    }
    for (const code of thrown) assert.ok(declared.has(code), `${code} is thrown but not in MediaErrorCode`);
  });
  it('covers the SdpError codes of src/sdp', () => {
    for (const code of ['sdp_invalid', 'sdp_no_audio', 'sdp_no_common_codec', 'sdp_answer_mismatch']) assert.ok(isErrorCode(code), code);
    assert.equal(isErrorCode('nope'), false);
    assert.equal(isErrorCode('toString'), false);
  });
});

describe('errorFor', () => {
  it('puts context in brackets, in order', () => {
    const e = errorFor('route_extension_unknown', { ext: 7001, trunk: 'five9' });
    assert.ok(e instanceof AgentlineError && e instanceof Error);
    assert.equal(e.message, 'unknown extension [ext:7001, trunk:five9]');
    assert.equal(e.code, 'route_extension_unknown');
    assert.equal(e.metricLabel, 'route_extension_unknown');
    assert.deepEqual(e.context, { ext: 7001, trunk: 'five9' });
    assert.equal(e.name, 'AgentlineError');
  });
  it('no context -> the bare message; keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = errorFor('store_unavailable', undefined, cause);
    assert.equal(e.message, 'store unavailable');
    assert.equal(e.cause, cause);
  });
});

describe('toAgentlineError / toHttpError', () => {
  it('keeps an AgentlineError, adopts a foreign error with a catalogue code, else internal', () => {
    const own = errorFor('agent_busy');
    assert.equal(toAgentlineError(own), own);
    const sdp = Object.assign(new Error('no common codec [offered:18]'), { code: 'sdp_no_common_codec' });
    const adopted = toAgentlineError(sdp);
    assert.equal(adopted.code, 'sdp_no_common_codec');
    assert.equal(adopted.sipStatus, 488);
    assert.equal(adopted.message, 'no common codec [offered:18]');
    assert.equal(toAgentlineError(new TypeError('x')).code, 'internal');
    assert.equal(toAgentlineError('a string').code, 'internal');
    assert.equal(toAgentlineError(null).code, 'internal');
  });
  it('maps to the public Handoff API codes', () => {
    assert.deepEqual(toHttpError(errorFor('not_found', { shared_id: 'S' })), {
      status: 404,
      body: { error: { code: 'not_found', message: 'not found [shared_id:S]' } },
    });
    assert.equal(toHttpError(errorFor('store_unavailable')).body.error.code, 'unavailable');
    assert.equal(toHttpError(errorFor('draining')).status, 503);
    assert.equal(toHttpError(errorFor('rate_limited')).status, 429);
  });
  it('hides internals behind 500 internal', () => {
    const r = toHttpError(new Error('secret stack detail'));
    assert.deepEqual(r, { status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
    assert.equal(toHttpError(errorFor('agent_failed')).status, 500);
  });
});

/**
 * The MediaError codes of src/media, read from the source (obs may not import media:
 * src/layers.test.ts): the `MediaErrorCode` union, and the first argument of every
 * `new MediaError(` outside tests, which must be a string literal for this check to see it.
 */
function mediaErrorCodes(): { declared: Set<string>; thrown: Set<string> } {
  const dir = new URL('../media/', import.meta.url);
  const union = /export type MediaErrorCode =([^;]*);/.exec(readFileSync(new URL('errors.ts', dir), 'utf8'))?.[1] ?? '';
  const declared = new Set([...union.matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]!));
  const thrown = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    const calls = text.split('new MediaError(').length - 1;
    const literal = [...text.matchAll(/new MediaError\(\s*'([a-z0-9_]+)'/g)].map((m) => m[1]!);
    assert.equal(literal.length, calls, `${name}: every new MediaError( names its code as a string literal`);
    for (const code of literal) thrown.add(code);
  }
  return { declared, thrown };
}
