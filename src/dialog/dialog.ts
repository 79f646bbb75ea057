/**
 * A SIP dialog (RFC 3261 §12): identifiers, sequence numbers, route set and remote
 * target; building in-dialog requests (§12.2.1.1) and checking incoming ones (§12.2.2).
 * The UAS and UAC flows (uas.ts, uac.ts) create dialogs; the user agent routes
 * in-dialog requests to them.
 */
import { SipRequest, type NameAddr, type SipResponse, type Uri } from '../sip/index.ts';
import type { ClientTransaction, ServerTransaction } from '../transaction/index.ts';
import type { Endpoint, Inbound } from '../transport/types.ts';
import { awaitAck } from './ack-wait.ts';
import { contactFor, nextHop, viaFor } from './addressing.ts';
import type { DialogHost } from './host.ts';

/** Dialog identifiers (§12). */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** Why a dialog ended. */
export type EndReason = 'bye_received' | 'bye_sent' | 'ack_timeout' | 'session_expired' | 'closed' | 'error';

/** Options for an in-dialog request. */
export interface DialogRequestOptions {
  headers?: Array<[string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
}

/** Handlers the owner of a dialog sets. Each is optional; defaults answer sensibly. */
export interface DialogHandlers {
  /** The BYE was already answered 200; the dialog is over. */
  onBye?(req: SipRequest): void;
  /** A re-INVITE or UPDATE (target refresh, hold, session refresh). The handler must answer `tx`. */
  onModify?(tx: ServerTransaction): void;
  /** INFO (e.g. DTMF relay); answered 200 after the handler unless it answered itself. */
  onInfo?(tx: ServerTransaction): void;
  /** NOTIFY (e.g. REFER progress, RFC 3515 §2.4.5); answered 200 unless answered. */
  onNotify?(tx: ServerTransaction): void;
  /** REFER (RFC 3515 §2.4.2): the handler must answer `tx` (202 to accept); without one, 603 Decline. */
  onRefer?(tx: ServerTransaction): void;
  /** The ACK for our 2xx arrived (UAS). */
  onAck?(req: SipRequest): void;
  /**
   * No ACK for our 2xx within 64*T1 (RFC 3261 §13.3.1.4): the session must end with a
   * BYE. With this handler the owner sends it (its own way, e.g. with its headers);
   * without, the dialog sends a bare BYE and ends with `ack_timeout`.
   */
  onAckTimeout?(): void;
  /** The dialog ended, for any reason. Called once. */
  onEnd?(reason: EndReason): void;
}

/** One dialog. */
export class Dialog {
  state: 'confirmed' | 'terminated' = 'confirmed';
  handlers: DialogHandlers = {};
  /** True while our own re-INVITE is pending (an incoming one then gets 491, §14.2). */
  pendingInvite = false;
  /** True once the ACK for our 2xx arrived (UAS), or at once for a UAC dialog. */
  acked = false;
  /** Stops the UAS's 2xx retransmission and ACK timer; set by the UAS flow. */
  stopAckWait: (() => void) | undefined;
  /** CSeq number of the INVITE whose 2xx awaits its ACK (a stray ACK of an older one is ignored). */
  ackSeq: number | undefined;
  private keyText: string | undefined;
  /** A BYE asked for while our 2xx awaited its ACK (§15): it goes when the wait ends. */
  private heldBye: { done: Promise<SipResponse>; release(send: boolean): void } | undefined;

  /**
   * @param id dialog identifiers
   * @param role which side created it
   * @param localSeq our last CSeq number
   * @param remoteSeq the peer's last CSeq number (undefined until it sends one)
   * @param localUri our URI (From of our requests)
   * @param remoteUri the peer's URI (To of our requests)
   * @param remoteTarget the peer's Contact URI
   * @param routeSet Route headers of our requests
   * @param peer where the peer's messages came from (fallback next hop)
   * @param local our transport address for Via and Contact
   */
  constructor(
    readonly host: DialogHost,
    readonly id: DialogId,
    readonly role: 'uas' | 'uac',
    public localSeq: number,
    public remoteSeq: number | undefined,
    readonly localUri: NameAddr,
    readonly remoteUri: NameAddr,
    public remoteTarget: Uri,
    readonly routeSet: NameAddr[],
    public peer: Endpoint,
    readonly local: Endpoint,
  ) {}

  /** The dialog's key in the user agent's table (the identifiers never change, §12). */
  get key(): string {
    return (this.keyText ??= dialogKey(this.id.callId, this.id.localTag, this.id.remoteTag));
  }

  /** Builds an in-dialog request (§12.2.1.1) with the next CSeq (ACK and CANCEL reuse theirs). */
  createRequest(method: string, options: DialogRequestOptions = {}, cseq?: number): SipRequest {
    const seq = cseq ?? ++this.localSeq;
    const req = new SipRequest(method, this.remoteTarget.clone());
    req.append('Via', viaFor(this.local));
    req.append('Max-Forwards', 70);
    for (const r of this.routeSet) req.append('Route', r.toString());
    req.append('From', withTag(this.localUri, this.id.localTag));
    req.append('To', withTag(this.remoteUri, this.id.remoteTag));
    req.append('Call-ID', this.id.callId);
    req.append('CSeq', `${seq} ${method}`);
    if (method === 'INVITE' || method === 'UPDATE' || method === 'REFER') req.append('Contact', contactFor(this.local));
    if (this.host.userAgent) req.append('User-Agent', this.host.userAgent);
    for (const [name, value] of options.headers ?? []) req.append(name, value);
    if (options.body !== undefined) {
      req.body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
      if (options.contentType) req.append('Content-Type', options.contentType);
    }
    return req;
  }

  /** The endpoint in-dialog requests go to. */
  get nextHop(): Endpoint {
    return nextHop(this.routeSet, this.remoteTarget, this.peer);
  }

  /** Sends an in-dialog request; resolves with its final response. */
  request(method: string, options: DialogRequestOptions = {}): ClientTransaction {
    if (this.state === 'terminated') throw new Error(`dialog terminated [call-id:${this.id.callId}]`);
    return this.host.transactions.request(this.createRequest(method, options), this.nextHop);
  }

  /**
   * Sends BYE (§15.1.1) and ends the dialog at once; resolves with the BYE's final response.
   * While our 2xx awaits its ACK, the BYE waits for it (see {@link holdBye}).
   * @param reason the end reason reported to `onEnd` (default `bye_sent`)
   */
  bye(options: DialogRequestOptions = {}, reason: EndReason = 'bye_sent'): Promise<SipResponse> {
    if (this.stopAckWait !== undefined && this.state === 'confirmed') return this.holdBye(options, reason);
    const tx = this.request('BYE', options);
    this.end(reason);
    return tx.final;
  }

  /**
   * RFC 3261 §15: "the callee's UA MUST NOT send a BYE on a confirmed dialog until it has
   * received an ACK for its 2xx response or until the server transaction times out." Our 2xx
   * goes on being retransmitted (ack-wait.ts) and the BYE goes once the ACK comes or 64*T1
   * passes ({@link releaseBye}). Sent at once, it would reach a caller whose 200 was lost
   * before the 200 does: a BYE for a call it has not got, which it refuses or drops, and the
   * hand-back's headers with it. A second BYE asked for meanwhile is the same one.
   */
  private holdBye(options: DialogRequestOptions, reason: EndReason): Promise<SipResponse> {
    if (this.heldBye) return this.heldBye.done;
    let release: (send: boolean) => void = () => {};
    const done = new Promise<SipResponse>((resolve, reject) => {
      release = (send) => {
        this.heldBye = undefined;
        if (!send) {
          reject(new Error(`dialog ended before the ACK its BYE waited for [call-id:${this.id.callId}]`));
          return;
        }
        try {
          resolve(this.bye(options, reason));
        } catch (err) {
          reject(err);
        }
      };
    });
    this.heldBye = { done, release };
    return done;
  }

  /**
   * The wait for our 2xx's ACK is over (the ACK came, or 64*T1 passed, `stopAckWait` cleared):
   * a BYE held for it goes now.
   * @returns true when one went
   */
  releaseBye(): boolean {
    const held = this.heldBye;
    if (!held) return false;
    held.release(true);
    return true;
  }

  /**
   * Sends a re-INVITE with `sdp`, ACKs its 2xx (and the 2xx again each time it is
   * retransmitted, our ACK having been lost: §13.2.2.4); resolves with the final response.
   */
  async reinvite(sdp: string, options: DialogRequestOptions = {}): Promise<SipResponse> {
    this.pendingInvite = true;
    try {
      if (this.state === 'terminated') throw new Error(`dialog terminated [call-id:${this.id.callId}]`);
      let ack: SipRequest | undefined;
      const req = this.createRequest('INVITE', { ...options, body: sdp, contentType: 'application/sdp' });
      const tx = this.host.transactions.request(req, this.nextHop, {
        onResponse: (res) => {
          if (ack !== undefined && res.status >= 200 && res.status < 300) this.host.transactions.request(ack, this.nextHop);
        },
      });
      const res = await tx.final;
      if (res.status >= 200 && res.status < 300) {
        const contact = res.contacts[0];
        if (contact) this.remoteTarget = contact.uri; // §12.2.1.2 target refresh
        ack = this.sendAck(tx.request.cseq.seq);
      }
      return res;
    } finally {
      this.pendingInvite = false;
    }
  }

  /** Sends the ACK for a 2xx to INVITE number `seq` (§13.2.2.4), a transaction of its own. */
  sendAck(seq: number): SipRequest {
    const ack = this.createRequest('ACK', {}, seq);
    this.host.transactions.request(ack, this.nextHop);
    return ack;
  }

  /**
   * Checks an incoming in-dialog request's CSeq (§12.2.2): lower than the last one → 500.
   * @returns false when the request was answered with an error
   */
  acceptSequence(tx: ServerTransaction): boolean {
    const req = tx.request;
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    const seq = req.cseq.seq;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) {
      tx.reply(500, { reason: 'CSeq Out Of Order', toTag: this.id.localTag });
      return false;
    }
    this.remoteSeq = seq;
    return true;
  }

  /** Handles an in-dialog request routed here by the user agent. */
  receive(tx: ServerTransaction, inbound: Inbound): void {
    if (!this.acceptSequence(tx)) return;
    tx.localTag = this.id.localTag;
    this.peer = inbound.source;
    const req = tx.request;
    switch (req.method) {
      case 'BYE':
        tx.reply(200);
        this.end('bye_received');
        this.host.safe(() => this.handlers.onBye?.(req));
        return;
      case 'INVITE':
      case 'UPDATE':
        return this.receiveModify(tx);
      case 'INFO':
        return this.answerAfter(tx, this.handlers.onInfo);
      case 'NOTIFY':
        return this.answerAfter(tx, this.handlers.onNotify);
      case 'REFER':
        return this.receiveRefer(tx);
      case 'OPTIONS':
        tx.reply(200, { headers: this.host.capabilityHeaders() });
        return;
      default:
        tx.reply(405, { headers: [['Allow', this.host.allow.join(', ')]] });
    }
  }

  private receiveModify(tx: ServerTransaction): void {
    if (tx.request.method === 'INVITE' && this.pendingInvite) {
      tx.reply(491); // §14.2: glare
      return;
    }
    const contact = tx.request.contacts[0];
    if (contact) this.remoteTarget = contact.uri; // §12.2.2 target refresh
    const handler = this.handlers.onModify;
    if (!handler) {
      tx.reply(488);
      return;
    }
    try {
      handler(tx);
    } catch (err) {
      this.host.safe(() => { throw err; });
      if (!tx.finalSent) tx.reply(500);
    }
  }

  private receiveRefer(tx: ServerTransaction): void {
    const handler = this.handlers.onRefer;
    if (handler) this.host.safe(() => handler(tx));
    if (!tx.finalSent) tx.reply(603); // RFC 3515 §2.4.2: a REFER we do not take is declined
  }

  private answerAfter(tx: ServerTransaction, handler: ((tx: ServerTransaction) => void) | undefined): void {
    if (handler) this.host.safe(() => handler(tx));
    if (!tx.finalSent) tx.reply(200);
  }

  /**
   * Accepts a re-INVITE or UPDATE with 200 (the `onModify` handler's answer). A 2xx to
   * these target-refresh requests must carry a Contact (RFC 3261 §20.10 table 3, RFC 3311
   * §5.2), and the 200 to a re-INVITE is retransmitted until its ACK like the first one
   * (§14.2, §13.3.1.4), ending the session with a BYE when none comes.
   */
  acceptModify(tx: ServerTransaction, options: DialogRequestOptions = {}): SipResponse {
    const res = tx.reply(200, {
      ...options, toTag: this.id.localTag, headers: [['Contact', contactFor(this.local)], ...(options.headers ?? [])],
    });
    if (tx.isInvite) awaitAck(this, tx, res);
    return res;
  }

  /** The ACK for our 2xx arrived (§13.3.1.4): stop retransmitting. ACK retransmissions are ignored. */
  receiveAck(req: SipRequest): void {
    if (this.acked || (this.ackSeq !== undefined && req.cseq.seq !== this.ackSeq)) return;
    this.acked = true;
    this.stopAckWait?.();
    this.stopAckWait = undefined;
    this.host.safe(() => this.handlers.onAck?.(req));
    this.releaseBye();
  }

  /** Ends the dialog (idempotent) and tells the owner once. */
  end(reason: EndReason): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.stopAckWait?.();
    this.stopAckWait = undefined;
    this.heldBye?.release(false); // ended another way (the caller's BYE, a shutdown): none goes
    this.host.forget(this);
    this.host.safe(() => this.handlers.onEnd?.(reason));
  }
}

/** The key of a dialog: Call-ID and both tags (§12). */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function withTag(addr: NameAddr, tag: string): string {
  const copy = addr.clone();
  copy.params.set('tag', tag);
  return copy.toString();
}
