import assert from 'node:assert/strict';
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
