/**
 * The caller side's answers to the gateway's mid-call requests: re-INVITE (RFC 3261 §14)
 * and UPDATE (RFC 3311), for hold, resume and session refresh (RFC 4028).
 * - An offer gets 200 with our answer (same address, port and codec; `a=sendonly` →
 *   `a=recvonly`); an unusable one gets 488 and the session stays as it was (§14.2).
 * - An UPDATE without SDP is a pure refresh: 200 without SDP (RFC 3311 §5.2).
 * - A re-INVITE without SDP gets our offer in the 200; its answer comes in the ACK (§14.2).
 * - A new offer while ours waits for its answer gets 491 (RFC 3311 §5.2, RFC 3261 §14.2).
 * - `Session-Expires` in the request is answered per RFC 4028 §9 (see {@link sessionTimerAnswer}).
 * - The 200 to a re-INVITE is retransmitted at T1, 2T1… up to T2 until the ACK on UDP;
 *   without an ACK within 64*T1 the owner ends the call with BYE (§13.3.1.4).
 * Timers run on the user agent's clock.
 */
import {
  MIN_SE_FLOOR_SEC, awaitAck, contactFor, negotiateUas, parseSessionExpires, type Dialog,
} from '../dialog/index.ts';
import type { MediaDirection } from '../sdp/index.ts';
import type { SipRequest, SipResponse } from '../sip/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import type { CallIssue, SessionUpdate } from './types.ts';

/** The caller's media as the answerer uses it ({@link CallerMedia} is one). */
export interface ReofferMedia {
  /** @throws when the offer is unusable; the session stays as it was */
  answerReoffer(offerSdp: string): string;
  reoffer(): string;
  /** @throws when the answer does not fit our offer */
  acceptReanswer(answerSdp: string): unknown;
  readonly offerPending: boolean;
  readonly direction: MediaDirection | undefined;
}

/** What a {@link ModifyAnswerer} needs from its call. */
export interface ModifyAnswererOptions {
  dialog: Dialog;
  media: ReofferMedia;
  /** Time since the INVITE's 200 OK, ms (for {@link SessionUpdate.atMs}). */
  elapsedMs(): number;
  /** A problem that does not end the call by itself. */
  issue(issue: CallIssue): void;
  /** No ACK for our 200 to a re-INVITE within 64*T1: the owner ends the call with BYE. */
  ackTimeout(): void;
}

/** Headers to add to the 2xx, or the 422 that refuses the request. */
export type SessionTimerAnswer =
  | { ok: true; headers: Array<[string, string]> }
  | { ok: false; status: 422; headers: Array<[string, string]> };

/**
 * RFC 4028 §9 for a refresh we answer. Without `Session-Expires`: nothing (we run no timer
 * of our own). With it: its interval as it is (a UAS must not raise it; below 90 s, the
 * §4 floor, gets 422 with `Min-SE`), the refresher it names (else the gateway when it
 * supports timers, else us), and `Require: timer` when the request listed `timer`.
 */
export function sessionTimerAnswer(req: SipRequest): SessionTimerAnswer {
  const asked = parseSessionExpires(req.get('session-expires'));
  if (asked === undefined) return { ok: true, headers: [] };
  const n = negotiateUas(req, { intervalSec: asked.deltaSec, minSec: MIN_SE_FLOOR_SEC });
  return n.ok ? { ok: true, headers: n.headers } : { ok: false, status: 422, headers: n.headers };
}

/** See the module comment. Wire {@link receive} to `onModify` and {@link ack} to `onAck`. */
export class ModifyAnswerer {
  /** Every request answered, in order. */
  readonly updates: SessionUpdate[] = [];
  /** The entry of an offerless re-INVITE whose answer (in the ACK) is still to come. */
  #awaitingAnswer: SessionUpdate | undefined;

  constructor(private readonly o: ModifyAnswererOptions) {}

  /** Answers a re-INVITE or UPDATE (the dialog's `onModify`). */
  receive(tx: ServerTransaction): void {
    const req = tx.request;
    const method = req.method === 'UPDATE' ? 'UPDATE' : 'INVITE';
    const timer = sessionTimerAnswer(req);
    if (!timer.ok) return this.refuse(tx, method, timer.status, timer.headers);
    const offer = req.body.toString();
    const hasOffer = offer.trim() !== '';
    if (this.o.media.offerPending && (hasOffer || method === 'INVITE')) return this.refuse(tx, method, 491);
    const exchange = this.exchange(method, hasOffer ? offer : undefined);
    if (exchange === undefined) return this.refuse(tx, method, 488);
    const headers: Array<[string, string]> = [['Contact', contactFor(this.o.dialog.local, 'ccsim')], ...timer.headers];
    const res = tx.reply(200, {
      toTag: this.o.dialog.id.localTag, headers,
      ...(exchange.body === undefined ? {} : { body: exchange.body, contentType: 'application/sdp' }),
    });
    const update = this.record(method, 200, exchange.sdp, timer.headers);
    if (exchange.sdp === 'offer') this.#awaitingAnswer = update;
    if (method === 'INVITE') this.awaitAck(tx, res);
  }

  /** The ACK for our 200 to a re-INVITE (the dialog's `onAck`): the answer to our offer, if we made one. */
  ack(req: SipRequest): void {
    const update = this.#awaitingAnswer;
    if (update === undefined) return;
    this.#awaitingAnswer = undefined;
    try {
      this.o.media.acceptReanswer(req.body.toString());
    } catch (err) {
      this.o.issue({ code: 'sdp_answer_invalid', message: `the ACK's answer to our re-offer: ${messageOf(err)}` });
    }
    update.direction = this.o.media.direction;
  }

  /** The SDP side of a 200: our answer, our offer, or none; undefined for an unusable offer. */
  private exchange(method: 'INVITE' | 'UPDATE', offer: string | undefined): { sdp: SessionUpdate['sdp']; body?: string } | undefined {
    if (offer === undefined) return method === 'INVITE' ? { sdp: 'offer', body: this.o.media.reoffer() } : { sdp: 'none' };
    try {
      return { sdp: 'answer', body: this.o.media.answerReoffer(offer) };
    } catch (err) {
      this.o.issue({ code: 'reoffer_refused', message: `the gateway's ${method} offer was refused 488: ${messageOf(err)}` });
      return undefined;
    }
  }

  private refuse(tx: ServerTransaction, method: 'INVITE' | 'UPDATE', status: number, headers: Array<[string, string]> = []): void {
    tx.reply(status, { toTag: this.o.dialog.id.localTag, headers });
    this.record(method, status, 'none', []);
  }

  private record(method: 'INVITE' | 'UPDATE', status: number, sdp: SessionUpdate['sdp'], headers: Array<[string, string]>): SessionUpdate {
    const update: SessionUpdate = { method, status, sdp, atMs: Math.round(this.o.elapsedMs()) };
    const direction = this.o.media.direction;
    if (direction !== undefined) update.direction = direction;
    const sessionExpires = headers.find(([name]) => name === 'Session-Expires')?.[1];
    if (sessionExpires !== undefined) update.sessionExpires = sessionExpires;
    this.updates.push(update);
    return update;
  }

  /** RFC 3261 §13.3.1.4 for the 200 to a re-INVITE: retransmit until the ACK, give up after 64*T1. */
  private awaitAck(tx: ServerTransaction, res: SipResponse): void {
    awaitAck(this.o.dialog, tx, res, () => {
      this.o.issue({ code: 'reinvite_ack_timeout', message: `no ACK for our 200 to the gateway's re-INVITE within ${64 * this.o.dialog.host.timers.t1} ms` });
      this.o.ackTimeout();
    });
  }

}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
