/**
 * Session timers for one call (RFC 4028), on top of the dialog layer's negotiation and
 * timer: the INVITE is negotiated before anything else (422 with `Min-SE` when too small),
 * the 200 carries `Supported: timer`, `Session-Expires` and, when the caller supports it,
 * `Require: timer`; incoming refreshes (re-INVITE, UPDATE) are answered with the same
 * headers and restart the count; as refresher we send UPDATE when the caller allows it
 * (§7.4: no SDP needed) and a re-INVITE with our current SDP otherwise.
 */
import {
  negotiateUas, SessionTimer, DEFAULT_SESSION_EXPIRES_SEC, MIN_SE_FLOOR_SEC,
  type Dialog, type SessionPolicy, type UasNegotiation,
} from '../dialog/index.ts';
import { SipResponse, type SipRequest } from '../sip/index.ts';
import type { Clock, ServerTransaction } from '../transaction/index.ts';
import type { CallSettings } from './types.ts';

/** The INVITE asked for a session interval below our Min-SE: answered 422 (RFC 4028 §9). */
export class SessionIntervalError extends Error {
  override readonly name = 'SessionIntervalError';
  readonly code = 'session_interval_too_small';
  readonly sipStatus = 422;

  /** @param minSe our Min-SE, s, sent back in the 422 */
  constructor(readonly minSe: number) {
    super(`session interval too small [min-se:${minSe}]`);
  }
}

/** The session policy from the call settings (defaults 1800 s, Min-SE 90 s). */
export function sessionPolicy(settings: CallSettings): SessionPolicy {
  return {
    intervalSec: settings.sessionExpiresSec ?? DEFAULT_SESSION_EXPIRES_SEC,
    minSec: Math.max(MIN_SE_FLOOR_SEC, settings.minSessionExpiresSec ?? MIN_SE_FLOOR_SEC),
  };
}

/** One call's session timer. */
export class CallSessionTimer {
  /** The INVITE's negotiation; `ok: false` means the call is refused 422. */
  readonly negotiation: UasNegotiation;
  #timer: SessionTimer | undefined;
  #useUpdate: boolean;

  /**
   * @param invite the initial INVITE
   * @param policy our interval and Min-SE
   * @param clock time source for the timer
   */
  constructor(
    invite: SipRequest,
    private readonly policy: SessionPolicy,
    private readonly clock: Clock,
  ) {
    this.negotiation = negotiateUas(invite, policy);
    this.#useUpdate = invite.getAll('allow').some((m) => m.trim().toUpperCase() === 'UPDATE');
  }

  /** Headers for our 200 (empty when the negotiation failed). */
  get answerHeaders(): Array<[string, string]> {
    return this.negotiation.ok ? [['Supported', 'timer'], ...this.negotiation.headers] : [];
  }

  /** True while the timer runs and we send the refreshes. */
  get weRefresh(): boolean {
    return this.#timer?.state.weRefresh ?? false;
  }

  /**
   * Starts the timer once the 200 is sent.
   * @param sdp our current SDP, for a re-INVITE refresh
   * @param expired called once when the session is dead (§10); the call ends with BYE
   */
  start(dialog: Dialog, sdp: () => string, expired: () => void): void {
    if (!this.negotiation.ok || this.#timer) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the methods below cannot see `this`
    const owner = this;
    // Methods, not named arrow functions: see the note on keepNames in call.ts's answer step.
    this.#timer = new SessionTimer(this.clock, this.negotiation.state, {
      refresh(headers) { return owner.#refresh(dialog, sdp, headers); },
      expired() { expired(); },
    }, this.policy.minSec);
    this.#timer.start();
  }

  /**
   * Answers a refresh from the caller: 422 when its interval is too small, else
   * `answer(headers)` (the 200, with an SDP answer when the request offered one — see
   * `reanswer` — and our session headers). A 2xx restarts the count.
   */
  onModify(tx: ServerTransaction, answer: (headers: Array<[string, string]>) => void): void {
    const n = negotiateUas(tx.request, this.policy);
    if (!n.ok) {
      tx.reply(422, { headers: n.headers });
      return;
    }
    const headers: Array<[string, string]> = [['Supported', 'timer'], ...n.headers];
    answer(headers);
    const status = tx.lastResponse?.status ?? 0;
    if (status >= 200 && status < 300) this.#timer?.refreshed(n.state);
  }

  /** Stops the timer (idempotent). */
  stop(): void {
    this.#timer?.stop();
  }

  async #refresh(dialog: Dialog, sdp: () => string, headers: Array<[string, string]>): Promise<SipResponse> {
    if (gone(dialog)) return terminated();
    if (this.#useUpdate) {
      const res = await dialog.request('UPDATE', { headers }).final;
      if (res.status !== 405 && res.status !== 501) return res;
      this.#useUpdate = false; // RFC 3311 not supported after all: re-INVITE from now on
    }
    if (gone(dialog)) return terminated();
    return dialog.reinvite(sdp(), { headers });
  }
}

/** True once the dialog ended (a function, so the check is read afresh after an await). */
function gone(dialog: Dialog): boolean {
  return dialog.state === 'terminated';
}

/** A local 481 for a refresh on a dialog that is already gone (RFC 3261 §12.2.1.2 ends the session). */
function terminated(): SipResponse {
  return new SipResponse(481, 'Call/Transaction Does Not Exist');
}
