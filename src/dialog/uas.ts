/**
 * The UAS side of an INVITE (RFC 3261 §13.3): provisional responses, acceptance with a
 * dialog and 2xx retransmission until the ACK arrives (§13.3.1.4), or rejection.
 */
import type { SipRequest } from '../sip/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { awaitAck } from './ack-wait.ts';
import { contactFor } from './addressing.ts';
import { Dialog } from './dialog.ts';
import type { DialogHost } from './host.ts';

/** Options for `accept`. */
export interface AcceptOptions {
  /** SDP answer (or offer, when the INVITE had none). */
  sdp?: string;
  headers?: Array<[string, string | number]>;
}

/** Options for `reject` and `provisional`. */
export interface ResponseOptions {
  reason?: string;
  headers?: Array<[string, string | number]>;
  body?: string;
  contentType?: string;
}

/** An INVITE we received and have not finished answering. */
export class IncomingInvite {
  state: 'pending' | 'accepted' | 'rejected' | 'cancelled' = 'pending';
  /** Set once accepted. */
  dialog: Dialog | undefined;
  /** Called when the caller CANCELs before our final response (487 already sent). */
  onCancel: (() => void) | undefined;
  /** The INVITE (kept here: the transaction lets go of it once our 2xx is acknowledged). */
  readonly request: SipRequest;

  constructor(
    readonly host: DialogHost,
    readonly tx: ServerTransaction,
  ) {
    this.request = tx.request;
    tx.onCancel = () => {
      this.state = 'cancelled';
      this.host.safe(() => this.onCancel?.());
    };
  }

  /** Sends a provisional response (default 180 Ringing) with our To tag. */
  provisional(status = 180, options: ResponseOptions = {}): void {
    if (this.state !== 'pending') return;
    this.tx.reply(status, { ...options, headers: [['Contact', contactFor(this.localEndpoint)], ...(options.headers ?? [])] });
  }

  /** Rejects with a final non-2xx status (e.g. 403, 404, 486, 488, 503). */
  reject(status: number, options: ResponseOptions = {}): void {
    if (this.state !== 'pending') return;
    this.state = 'rejected';
    this.tx.reply(status, this.withServer(options));
  }

  /**
   * Accepts with 200 OK: creates the dialog (§12.1.1) and retransmits the 2xx at T1, 2T1…
   * capped at T2 on unreliable transports until the ACK (§13.3.1.4). No ACK within 64*T1:
   * the owner's `onAckTimeout` ends the session; without it a bare BYE is sent here and the
   * dialog ends with `ack_timeout`.
   */
  accept(options: AcceptOptions = {}): Dialog {
    if (this.state !== 'pending') throw new Error(`cannot accept an INVITE that is ${this.state}`);
    this.state = 'accepted';
    const dialog = this.createDialog();
    const headers: Array<[string, string | number]> = [['Contact', contactFor(this.localEndpoint)], ...(options.headers ?? [])];
    const res = this.tx.reply(200, this.withServer({
      headers, ...(options.sdp !== undefined ? { body: options.sdp, contentType: 'application/sdp' } : {}),
    }));
    this.dialog = dialog;
    this.host.remember(dialog);
    awaitAck(dialog, this.tx, res);
    return dialog;
  }

  private get localEndpoint() {
    return this.host.local(this.tx.inbound.source.protocol);
  }

  private withServer(options: ResponseOptions): ResponseOptions & { toTag: string } {
    const headers = [...(options.headers ?? [])];
    if (this.host.userAgent) headers.push(['Server', this.host.userAgent]);
    return { ...options, headers, toTag: this.tx.localTag };
  }

  /** UAS dialog state from the INVITE (§12.1.1): route set = Record-Route in order. */
  private createDialog(): Dialog {
    const req = this.request;
    const from = req.from;
    const remoteTarget = req.contacts[0]?.uri ?? from.uri;
    return new Dialog(
      this.host,
      { callId: req.callId, localTag: this.tx.localTag, remoteTag: from.tag ?? '' },
      'uas', Math.floor(Math.random() * 10000), req.cseq.seq,
      req.to, from, remoteTarget, req.recordRoutes.map((r) => r.clone()),
      this.tx.inbound.source, this.localEndpoint,
    );
  }

}
