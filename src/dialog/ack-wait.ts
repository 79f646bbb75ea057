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
  const { host } = dialog;
  const { t1, t2 } = host.timers;
  dialog.stopAckWait?.();
  dialog.acked = false;
  dialog.ackSeq = tx.request.cseq.seq;
  let interval = t1;
  let retransmit: TimerHandle | undefined;
  const schedule = (): void => {
    retransmit = host.clock.setTimer(interval, () => {
      tx.respond(res); // RFC 6026: the Accepted-state transaction sends it again
      interval = Math.min(interval * 2, t2);
      schedule();
    });
  };
  if (!tx.reliable) schedule();
  const giveUp = host.clock.setTimer(64 * t1, () => {
    retransmit?.cancel();
    tx.release();
    dialog.stopAckWait = undefined;
    if (onTimeout) return host.safe(onTimeout);
    const owner = dialog.handlers.onAckTimeout;
    if (owner) return host.safe(() => owner.call(dialog.handlers));
    dialog.bye({}, 'ack_timeout').catch((err: unknown) => host.safe(() => { throw err; }));
  });
  dialog.stopAckWait = () => {
    retransmit?.cancel();
    giveUp.cancel();
    // No more 2xx retransmissions: the transaction (alive 64*T1 to absorb retransmitted
    // INVITEs) lets go of the request and the 200.
    tx.release();
  };
}
