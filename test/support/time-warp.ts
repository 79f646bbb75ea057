/**
 * A clock whose long timers run sooner, for end-to-end tests of behaviour that
 * RFC-mandated floors put minutes away: RFC 4028 §4 forbids a session interval below
 * 90 s, so a gateway refreshes a session 45 s after the answer at the earliest. Pass it
 * to the gateway (`startTestGateway(…, { clock })`): every timer of `fromMs` or more
 * runs `factor` times sooner. Shorter timers (RFC 3261 transaction timers up to
 * 64*T1 = 32 s, playback, DTMF) keep real time.
 */
import { systemClock, type Clock } from '../../src/transaction/index.ts';

/** Default threshold: above every RFC 3261 transaction timer (64*T1 = 32 s). */
export const WARP_FROM_MS = 40_000;

/** The system clock with timers of `fromMs` or more shortened by `factor`. */
export function warpedClock(factor: number, fromMs = WARP_FROM_MS): Clock {
  return {
    now: () => systemClock.now(),
    setTimer: (ms, fn) => systemClock.setTimer(ms >= fromMs ? ms / factor : ms, fn),
  };
}
