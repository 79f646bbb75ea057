/**
 * RFC 4028 session timers: the UAS negotiation (§9: 422 with Min-SE, the refresher,
 * Require: timer), the answer to our refresh (§7.2), and the timer on a driven clock:
 * refresh at half the interval, expiry minus min(32 s, interval/3) when the peer refreshes
 * (§10), 422/408/481 and other failures of our refresh.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, SipResponse, type SipRequest } from '../sip/index.ts';
import { ManualClock } from '../transaction/index.ts';
import { flush } from '../../test/support/fake-transport.ts';
import {
  expiryGuardMs, negotiateUas, parseMinSe, parseSessionExpires, refreshHeaders, SessionTimer, stateFromRefreshAnswer,
  type SessionState,
} from './session-timer.ts';

const POLICY = { intervalSec: 1800, minSec: 90 };

function invite(headers: string[]): SipRequest {
  const text = [
    'INVITE sip:7001@192.0.2.1 SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-1', 'Max-Forwards: 70',
    'From: <sip:cc@192.0.2.10>;tag=a', 'To: <sip:7001@192.0.2.1>', 'Call-ID: st-1', 'CSeq: 1 INVITE', ...headers, 'Content-Length: 0', '', '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.error.message);
  return r.message as SipRequest;
}

function response(status: number, headers: Array<[string, string]> = []): SipResponse {
  const res = new SipResponse(status, '');
  for (const [n, v] of headers) res.append(n, v);
  return res;
}

describe('parsing', () => {
  test('Session-Expires with and without refresher; Min-SE; malformed values are ignored', () => {
    assert.deepEqual(parseSessionExpires('1800;refresher=uac'), { deltaSec: 1800, refresher: 'uac' });
    assert.deepEqual(parseSessionExpires(' 600 ; Refresher = UAS'), { deltaSec: 600, refresher: 'uas' });
    assert.deepEqual(parseSessionExpires('120'), { deltaSec: 120 });
    assert.equal(parseSessionExpires('soon'), undefined);
    assert.equal(parseSessionExpires(undefined), undefined);
    assert.equal(parseMinSe('90'), 90);
    assert.equal(parseMinSe('x'), undefined);
  });
});

describe('UAS negotiation (RFC 4028 §9)', () => {
  test('below our Min-SE: 422 with Min-SE', () => {
    const n = negotiateUas(invite(['Supported: timer', 'Session-Expires: 60']), POLICY);
    assert.equal(n.ok, false);
    assert.deepEqual(n.headers, [['Min-SE', '90']]);
  });

  test('the compact form x is read; the UAC refresher is kept and Require: timer is sent', () => {
    const n = negotiateUas(invite(['k: timer', 'x: 120;refresher=uac']), POLICY);
    assert.ok(n.ok);
    assert.deepEqual(n.state, { intervalSec: 120, weRefresh: false });
    assert.deepEqual(n.headers, [['Session-Expires', '120;refresher=uac'], ['Require', 'timer']]);
  });

  test('refresher=uas makes us the refresher; a longer interval is reduced to ours', () => {
    const n = negotiateUas(invite(['Supported: timer', 'Session-Expires: 7200;refresher=uas']), POLICY);
    assert.ok(n.ok);
    assert.deepEqual(n.state, { intervalSec: 1800, weRefresh: true });
  });

  test('reduction never goes below the UAC Min-SE', () => {
    const n = negotiateUas(invite(['Supported: timer', 'Session-Expires: 7200', 'Min-SE: 3600']), POLICY);
    assert.ok(n.ok);
    assert.equal(n.state.intervalSec, 3600);
  });

  test('no refresher named and timer supported: the UAC refreshes', () => {
    const n = negotiateUas(invite(['Supported: replaces, timer', 'Session-Expires: 300']), POLICY);
    assert.ok(n.ok);
    assert.equal(n.state.weRefresh, false);
    assert.match(n.headers[0]?.[1] ?? '', /refresher=uac/);
  });

  test('a UAC without timer support: we refresh, and no Require: timer', () => {
    const n = negotiateUas(invite([]), POLICY);
    assert.ok(n.ok);
    assert.deepEqual(n.state, { intervalSec: 1800, weRefresh: true });
    assert.deepEqual(n.headers, [['Session-Expires', '1800;refresher=uas']]);
  });
});

describe('our refresh (§7.2, §7.4)', () => {
  test('the request names us (its UAC) as refresher, with Min-SE and Supported', () => {
    assert.deepEqual(refreshHeaders({ intervalSec: 600, weRefresh: true }, 90), [
      ['Session-Expires', '600;refresher=uac'], ['Min-SE', '90'], ['Supported', 'timer'],
    ]);
  });

  test('the answer decides: refresher=uas hands refreshing to the peer; none keeps us', () => {
    const cur: SessionState = { intervalSec: 600, weRefresh: true };
    assert.deepEqual(stateFromRefreshAnswer(response(200, [['Session-Expires', '900;refresher=uas']]), cur), { intervalSec: 900, weRefresh: false });
    assert.deepEqual(stateFromRefreshAnswer(response(200), cur), { intervalSec: 600, weRefresh: true });
  });
});

/** A timer with scripted refresh answers. */
function harness(state: SessionState, answers: number[] | ((n: number) => SipResponse)) {
  const clock = new ManualClock();
  const sent: Array<{ at: number; headers: Array<[string, string]> }> = [];
  const expired: Array<{ at: number; reason: string }> = [];
  const answer = typeof answers === 'function' ? answers : (n: number) => response(answers[n] ?? 200);
  const timer = new SessionTimer(clock, state, {
    refresh: (headers) => {
      sent.push({ at: clock.now(), headers });
      return Promise.resolve(answer(sent.length - 1));
    },
    expired: (reason) => expired.push({ at: clock.now(), reason }),
  });
  const advance = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await flush();
  };
  return { clock, timer, sent, expired, advance };
}

describe('the timer on a driven clock (§10)', () => {
  test('as refresher: a refresh at half the interval, again after each 2xx', async () => {
    const h = harness({ intervalSec: 120, weRefresh: true }, []);
    h.timer.start();
    await h.advance(59_999);
    assert.equal(h.sent.length, 0);
    await h.advance(1);
    assert.deepEqual(h.sent.map((s) => s.at), [60_000]);
    await h.advance(60_000);
    assert.deepEqual(h.sent.map((s) => s.at), [60_000, 120_000]);
    assert.deepEqual(h.expired, []);
    h.timer.stop();
    assert.equal(h.clock.scheduled, 0);
  });

  test('peer refresher: no refresh ends the session at expiry minus min(32 s, interval/3)', async () => {
    assert.equal(expiryGuardMs(90), 60_000);
    assert.equal(expiryGuardMs(1800), 1_768_000);
    const h = harness({ intervalSec: 1800, weRefresh: false }, []);
    h.timer.start();
    await h.advance(1_767_999);
    assert.deepEqual(h.expired, []);
    await h.advance(1);
    assert.deepEqual(h.expired, [{ at: 1_768_000, reason: 'no_refresh' }]);
    assert.equal(h.sent.length, 0);
  });

  test("the peer's refresh restarts the count", async () => {
    const h = harness({ intervalSec: 90, weRefresh: false }, []);
    h.timer.start();
    await h.advance(50_000);
    h.timer.refreshed({ intervalSec: 90, weRefresh: false });
    await h.advance(59_999);
    assert.deepEqual(h.expired, []);
    await h.advance(1);
    assert.equal(h.expired.length, 1);
  });

  test('422 to our refresh: the interval rises to the Min-SE and the refresh is retried at once', async () => {
    const h = harness({ intervalSec: 100, weRefresh: true }, (n) => (n === 0 ? response(422, [['Min-SE', '300']]) : response(200)));
    h.timer.start();
    await h.advance(50_000);
    assert.equal(h.sent.length, 2);
    assert.equal(h.sent[1]?.headers[0]?.[1], '300;refresher=uac');
    assert.equal(h.timer.state.intervalSec, 300);
  });

  test('408 or 481 to our refresh ends the session at once', async () => {
    for (const status of [408, 481]) {
      const h = harness({ intervalSec: 120, weRefresh: true }, [status]);
      h.timer.start();
      await h.advance(60_000);
      assert.deepEqual(h.expired, [{ at: 60_000, reason: 'refresh_failed' }]);
    }
  });

  test('other failures retry halfway to the expiry while 4 s remain, then give up at the expiry', async () => {
    const h = harness({ intervalSec: 120, weRefresh: true }, () => response(500));
    h.timer.start();
    while (h.clock.now() < 130_000) await h.advance(250);
    assert.deepEqual(h.sent.map((s) => s.at), [60_000, 90_000, 105_000, 112_500, 116_250]);
    assert.deepEqual(h.expired, [{ at: 120_000, reason: 'refresh_failed' }]);
  });

  test('stop() silences a refresh answer that comes later', async () => {
    let release!: (r: SipResponse) => void;
    const clock = new ManualClock();
    const expired: string[] = [];
    const timer = new SessionTimer(clock, { intervalSec: 120, weRefresh: true }, {
      refresh: () => new Promise((resolve) => { release = resolve; }),
      expired: (r) => expired.push(r),
    });
    timer.start();
    clock.advance(60_000);
    timer.stop();
    release(response(408));
    await flush();
    assert.deepEqual(expired, []);
    assert.equal(clock.scheduled, 0);
  });
});
