/**
 * Session timers (RFC 4028): the UAS negotiation of an INVITE's or a refresh's
 * `Session-Expires`/`Min-SE` (§9: 422 when too small, the refresher chosen, `Require:
 * timer` when the UAC supports it), the handling of the answer to our own refresh (§7.2),
 * and the timer that either refreshes at half the interval or declares the session dead
 * before it expires (§10). Pure: time comes from a `Clock`, requests go through hooks.
 */
import type { SipRequest, SipResponse } from '../sip/index.ts';
import type { Clock, TimerHandle } from '../transaction/index.ts';

/** RFC 4028 §4: no UA may ask for a session interval below 90 s. */
export const MIN_SE_FLOOR_SEC = 90;

/** Default session interval we ask for, s (the config's `limits.sessionExpiresSec` default). */
export const DEFAULT_SESSION_EXPIRES_SEC = 1800;

/** Who refreshes, named from the transaction that carries the header (RFC 4028 §4). */
export type Refresher = 'uac' | 'uas';

/** A parsed `Session-Expires` header (RFC 4028 §4). */
export interface SessionExpires {
  deltaSec: number;
  refresher?: Refresher;
}

/** Our side's policy. */
export interface SessionPolicy {
  /** The interval we want, s; a longer one asked by the UAC is reduced to it (§9). Default 1800. */
  intervalSec: number;
  /** Our Min-SE, s (at least 90). Default 90. */
  minSec: number;
}

/** The agreed session timer, from our point of view. */
export interface SessionState {
  intervalSec: number;
  /** True when we send the refreshes. */
  weRefresh: boolean;
}

/** The outcome of negotiating a request we received. */
export type UasNegotiation =
  | { ok: false; status: 422; minSe: number; headers: Array<[string, string]> }
  | { ok: true; state: SessionState; peerSupports: boolean; headers: Array<[string, string]> };

/** Parses `Session-Expires` (or its compact form `x`); undefined when absent or malformed. */
export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  if (value === undefined) return undefined;
  const [delta, ...params] = value.split(';');
  const deltaSec = parseDelta(delta);
  if (deltaSec === undefined) return undefined;
  const out: SessionExpires = { deltaSec };
  for (const p of params) {
    const [name, v] = p.split('=').map((s) => s.trim().toLowerCase());
    if (name === 'refresher' && (v === 'uac' || v === 'uas')) out.refresher = v;
  }
  return out;
}

/** Parses `Min-SE` (RFC 4028 §5); undefined when absent or malformed. */
export function parseMinSe(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDelta(value.split(';')[0]);
}

function parseDelta(text: string | undefined): number | undefined {
  const t = text?.trim() ?? '';
  return /^\d{1,10}$/.test(t) ? Number(t) : undefined;
}

/** True when the request lists the `timer` option tag in Supported or Require. */
export function supportsTimer(msg: SipRequest | SipResponse): boolean {
  return [...msg.getAll('supported'), ...msg.getAll('require')].some((t) => t.trim().toLowerCase() === 'timer');
}

/** The `Session-Expires` value for a transaction, with the refresher named from its UAC. */
export function formatSessionExpires(intervalSec: number, refresher: Refresher): string {
  return `${intervalSec};refresher=${refresher}`;
}

/**
 * Negotiates a request we answer as UAS: an initial INVITE or a refresh (re-INVITE or
 * UPDATE), RFC 4028 §9.
 * - `Session-Expires` below our Min-SE: 422 with our `Min-SE`.
 * - Otherwise the interval is the UAC's, reduced to ours when longer but never below
 *   the UAC's `Min-SE`; without one, ours (raised to the UAC's `Min-SE`).
 * - The UAC's `refresher` is kept; absent, the UAC refreshes when it supports timers
 *   (it asked for them), else we do (§9: a UAC without support cannot be the refresher).
 * - The 2xx carries `Session-Expires` and, when the UAC supports timers, `Require: timer`.
 */
export function negotiateUas(req: SipRequest, policy: SessionPolicy): UasNegotiation {
  const minSec = Math.max(MIN_SE_FLOOR_SEC, policy.minSec);
  const asked = parseSessionExpires(req.get('session-expires'));
  const peerMin = Math.max(MIN_SE_FLOOR_SEC, parseMinSe(req.get('min-se')) ?? MIN_SE_FLOOR_SEC);
  const peerSupports = supportsTimer(req);
  if (asked !== undefined && asked.deltaSec < minSec) {
    return { ok: false, status: 422, minSe: minSec, headers: [['Min-SE', String(minSec)]] };
  }
  const wanted = Math.max(policy.intervalSec, minSec);
  const intervalSec = asked === undefined ? Math.max(wanted, peerMin) : Math.max(Math.min(asked.deltaSec, wanted), peerMin, minSec);
  const refresher: Refresher = !peerSupports ? 'uas' : (asked?.refresher ?? 'uac');
  const headers: Array<[string, string]> = [['Session-Expires', formatSessionExpires(intervalSec, refresher)]];
  if (peerSupports) headers.push(['Require', 'timer']);
  return { ok: true, state: { intervalSec, weRefresh: refresher === 'uas' }, peerSupports, headers };
}

/** Headers of a refresh we send as UAC of the refresh transaction (RFC 4028 §7.4). */
export function refreshHeaders(state: SessionState, minSec: number): Array<[string, string]> {
  return [
    ['Session-Expires', formatSessionExpires(state.intervalSec, state.weRefresh ? 'uac' : 'uas')],
    ['Min-SE', String(Math.max(MIN_SE_FLOOR_SEC, minSec))],
    ['Supported', 'timer'],
  ];
}

/**
 * The state after a 2xx to our refresh (RFC 4028 §7.2): the answer's `Session-Expires`
 * decides interval and refresher (`uac` is us, the refresh's sender); without one the
 * peer does not run timers and we stay the refresher.
 */
export function stateFromRefreshAnswer(res: SipResponse, current: SessionState): SessionState {
  const se = parseSessionExpires(res.get('session-expires'));
  if (se === undefined) return { intervalSec: current.intervalSec, weRefresh: true };
  return { intervalSec: Math.max(MIN_SE_FLOOR_SEC, se.deltaSec), weRefresh: se.refresher !== 'uas' };
}

/** What a {@link SessionTimer} asks of its owner. */
export interface SessionTimerHooks {
  /**
   * Sends one refresh (UPDATE or re-INVITE) carrying `headers`; resolves with its final
   * response (a 408 when it timed out). Never rejects.
   */
  refresh(headers: Array<[string, string]>): Promise<SipResponse>;
  /** No refresh succeeded in time (§10): the owner ends the session with BYE. Called once. */
  expired(reason: 'no_refresh' | 'refresh_failed'): void;
}

/** When the side that does not refresh gives up: expiry minus min(32 s, interval/3), ms (§10). */
export function expiryGuardMs(intervalSec: number): number {
  return (intervalSec - Math.min(32, intervalSec / 3)) * 1000;
}

/**
 * The running timer of one dialog. As refresher it refreshes at half the interval (§10);
 * a 422 raises the interval to the answer's `Min-SE` and retries at once (§7.4); a 408 or
 * 481 ends the session (RFC 3261 §12.2.1.2); any other failure is retried halfway to the
 * expiry while at least 4 s remain. As non-refresher it expects the peer's refresh
 * (reported with {@link refreshed}) before expiry minus min(32 s, interval/3).
 */
export class SessionTimer {
  #state: SessionState;
  #timer: TimerHandle | undefined;
  #expiresAt = 0;
  #generation = 0;
  #stopped = false;

  /**
   * @param clock time source (ms)
   * @param state the negotiated interval and refresher
   * @param hooks the owner's refresh and end
   * @param minSec our Min-SE, s (default 90)
   */
  constructor(
    private readonly clock: Clock,
    state: SessionState,
    private readonly hooks: SessionTimerHooks,
    private readonly minSec = MIN_SE_FLOOR_SEC,
  ) {
    this.#state = { ...state };
  }

  /** The current interval and refresher. */
  get state(): SessionState {
    return { ...this.#state };
  }

  /** Starts counting from now (the 2xx that set the timer). */
  start(): void {
    this.#arm(this.#state);
  }

  /** A refresh from the peer was answered 2xx with `state` (§9): counting starts again. */
  refreshed(state: SessionState): void {
    if (this.#stopped) return;
    this.#arm(state);
  }

  /** Stops every timer (idempotent); late refresh answers are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#generation++;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(state: SessionState): void {
    this.#state = { ...state };
    this.#generation++;
    this.#timer?.cancel();
    const ms = state.intervalSec * 1000;
    this.#expiresAt = this.clock.now() + ms;
    this.#timer = state.weRefresh
      ? this.clock.setTimer(ms / 2, () => void this.#refresh(false))
      : this.clock.setTimer(expiryGuardMs(state.intervalSec), () => this.#expire('no_refresh'));
  }

  async #refresh(retried422: boolean): Promise<void> {
    const generation = ++this.#generation;
    const res = await this.hooks.refresh(refreshHeaders(this.#state, this.minSec));
    if (this.#stopped || generation !== this.#generation) return;
    if (res.status >= 200 && res.status < 300) {
      this.#arm(stateFromRefreshAnswer(res, this.#state));
      return;
    }
    if (res.status === 422 && !retried422) {
      const min = parseMinSe(res.get('min-se'));
      if (min !== undefined && min > this.#state.intervalSec) this.#state = { ...this.#state, intervalSec: min };
      return this.#refresh(true);
    }
    if (res.status === 408 || res.status === 481) return this.#expire('refresh_failed');
    this.#retryOrExpire();
  }

  #retryOrExpire(): void {
    const remaining = this.#expiresAt - this.clock.now();
    this.#timer?.cancel();
    this.#timer = remaining > 4000
      ? this.clock.setTimer(remaining / 2, () => void this.#refresh(false))
      : this.clock.setTimer(Math.max(0, remaining), () => this.#expire('refresh_failed'));
  }

  #expire(reason: 'no_refresh' | 'refresh_failed'): void {
    if (this.#stopped) return;
    this.stop();
    this.hooks.expired(reason);
  }
}
