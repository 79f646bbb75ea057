/**
 * The UAS's wait for the ACK of its 2xx to an INVITE (RFC 3261 §13.3.1.4), for the first
 * INVITE and for re-INVITEs alike (§14.2 defers to it): the 2xx goes again at T1, 2T1…
 * capped at T2 on unreliable transports until the ACK; with no ACK after 64*T1 the
 * session must end with a BYE.
 */
import type { SipResponse } from '../sip/index.ts';
import type { ServerTransaction, TimerHandle } from '../transaction/index.ts';
import type { Dialog } from './dialog.ts';

/**
 * Retransmits `res` until `dialog` receives the ACK for `tx`'s CSeq.
 * @param onTimeout what to do after 64*T1 without an ACK. Default: the owner's
 *   `onAckTimeout` (which sends the BYE its own way), else a bare BYE here that ends the
 *   dialog with `ack_timeout`.
 */
export function awaitAck(dialog: Dialog, tx: ServerTransaction, res: SipResponse, onTimeout?: () => void): void {
  dialog.stopAckWait?.();
  dialog.acked = false;
  dialog.ackSeq = tx.request.cseq.seq;
  const wait = new AckWait(dialog, tx, res, onTimeout);
  dialog.stopAckWait = () => wait.stop();
}

/**
 * One wait's state and timers. A class, not closures over locals: tsx's keepNames wraps
 * every named closure (about 250 bytes each), and one wait runs per call (issue #3).
 */
class AckWait {
  private interval: number;
  private retransmit: TimerHandle | undefined;
  private readonly giveUp: TimerHandle;

  constructor(
    private readonly dialog: Dialog,
    private readonly tx: ServerTransaction,
    private readonly res: SipResponse,
    private readonly onTimeout: (() => void) | undefined,
  ) {
    const { clock, timers } = dialog.host;
    this.interval = timers.t1;
    if (!tx.reliable) this.schedule();
    this.giveUp = clock.setTimer(64 * timers.t1, () => this.timeout());
  }

  /** The ACK came, or the dialog ended. */
  stop(): void {
    this.retransmit?.cancel();
    this.giveUp.cancel();
    // No more 2xx retransmissions: the transaction (alive 64*T1 to absorb retransmitted
    // INVITEs) lets go of the request and the 200.
    this.tx.release();
  }

  private schedule(): void {
    this.retransmit = this.dialog.host.clock.setTimer(this.interval, () => this.resend());
  }

  private resend(): void {
    this.tx.respond(this.res); // RFC 6026: the Accepted-state transaction sends it again
    this.interval = Math.min(this.interval * 2, this.dialog.host.timers.t2);
    this.schedule();
  }

  private timeout(): void {
    const { dialog, onTimeout } = this;
    const { host } = dialog;
    this.retransmit?.cancel();
    this.tx.release();
    dialog.stopAckWait = undefined;
    // §15: a BYE held for the ACK goes now; it ends the session as §13.3.1.4 asks.
    if (dialog.releaseBye()) return;
    if (onTimeout) return host.safe(onTimeout);
    const owner = dialog.handlers.onAckTimeout;
    if (owner) return host.safe(() => owner.call(dialog.handlers));
    dialog.bye({}, 'ack_timeout').catch((err: unknown) => host.safe(() => { throw err; }));
  }
}
