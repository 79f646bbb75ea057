/**
 * Server transactions (RFC 3261 §17.2, RFC 6026): the INVITE machine (Proceeding,
 * Completed, Confirmed, Accepted) and the non-INVITE machine (Trying, Proceeding,
 * Completed), as transition tables keyed by state and event.
 */
import { createResponse, newTag, SipResponse, type SipRequest } from '../sip/index.ts';
import type { Inbound } from '../transport/types.ts';
import { TimerSet, type TxContext } from './context.ts';
import type { TxState } from './types.ts';

/** Options for `ServerTransaction.reply`. */
export interface ReplyOptions {
  reason?: string;
  /** Extra headers, in order, spelt as given. */
  headers?: Array<[string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
  /** To tag for the response; defaults to one tag per transaction (dialogs pass theirs). */
  toTag?: string;
}

type ServerEvent = 'provisional' | 'final2xx' | 'finalOther' | 'retransmit' | 'trying' | 'ack' | 'G' | 'H' | 'I' | 'J' | 'L';
type Action = (tx: ServerTransaction, res?: SipResponse) => void;
type Table = Partial<Record<TxState, Partial<Record<ServerEvent, [TxState, Action]>>>>;

const send: Action = (tx, res) => tx.transmit(res as SipResponse);
const resend: Action = (tx) => tx.retransmitLast();
const absorb: Action = () => {};
/** RFC 3261 §17.2.1: the 100 (Trying) the transaction owes when the TU has sent nothing yet. */
const sendTrying: Action = (tx) => {
  if (!tx.responded) tx.transmit(createResponse(tx.request, 100));
};
/**
 * RFC 3261 §17.2.1: a retransmitted INVITE in Proceeding gets the last provisional again;
 * with none sent yet, the 100 is due now: the client waited T1 for it, and the 100 is what
 * stops its retransmissions (§17.1.1.2).
 */
const resendOrTrying: Action = (tx) => {
  if (tx.responded) tx.retransmitLast();
  else sendTrying(tx);
};
const startCompletedInvite: Action = (tx, res) => {
  tx.transmit(res as SipResponse);
  const { t1 } = tx.ctx.timers;
  if (!tx.reliable) tx.startG(t1);
  tx.timers.start('H', 64 * t1, () => tx.fire('H'));
};
const startConfirmed: Action = (tx) => {
  tx.timers.stop('G');
  tx.timers.stop('H');
  tx.timers.start('I', tx.reliable ? 0 : tx.ctx.timers.t4, () => tx.fire('I'));
  // §17.2.1: Confirmed only absorbs ACK and INVITE retransmissions until Timer I (T4, 5 s on
  // UDP): the parsed INVITE and the final response (about 7 KB) need not wait with it. At
  // thousands of refused INVITEs a second (an overload's 503s, a flood of bad tokens) they
  // were what such a call left in memory for those seconds.
  tx.shed();
};
const startAccepted: Action = (tx, res) => {
  tx.transmit(res as SipResponse);
  const l = 64 * tx.ctx.timers.t1;
  tx.acceptedUntil = tx.ctx.clock.now() + l;
  tx.timers.start('L', l, () => tx.fire('L'));
};
const timerG: Action = (tx) => {
  tx.retransmitLast();
  tx.startG(Math.min(2 * tx.gInterval, tx.ctx.timers.t2));
};
const timeoutH: Action = (tx) => {
  tx.ctx.stats.timeouts++;
  tx.safe(() => tx.onAckTimeout?.());
};
/**
 * How long a non-INVITE transaction in Completed keeps its request for the TU, ms: code that
 * answered may still read `request` in the same turn or shortly after. Then only the response
 * (what a retransmitted request gets again, §17.2.2) stays for the rest of Timer J.
 */
const REQUEST_GRACE_MS = 2000;

const startCompletedNonInvite: Action = (tx, res) => {
  tx.transmit(res as SipResponse);
  if (tx.reliable) {
    tx.timers.start('J', 0, () => tx.fire('J'));
    return;
  }
  // Timer J is 64*T1 (32 s) on UDP, a completed transaction's ~5 KB that long for each caller
  // hanging up, at thousands of calls a second: after the grace, the layer keeps the key, the
  // final response and where it goes, to answer retransmissions until Timer J (`release`).
  const j = 64 * tx.ctx.timers.t1;
  tx.completedUntil = tx.ctx.clock.now() + j;
  if (j <= REQUEST_GRACE_MS) tx.timers.start('J', j, () => tx.fire('J'));
  else tx.timers.start('J', REQUEST_GRACE_MS, () => tx.release());
};

/** RFC 3261 Figure 7 with RFC 6026 Figure 4 (Accepted, Timer L). */
const INVITE_TABLE: Table = {
  proceeding: {
    provisional: ['proceeding', send],
    final2xx: ['accepted', startAccepted],
    finalOther: ['completed', startCompletedInvite],
    retransmit: ['proceeding', resendOrTrying],
    trying: ['proceeding', sendTrying],
  },
  completed: {
    retransmit: ['completed', resend],
    G: ['completed', timerG],
    ack: ['confirmed', startConfirmed],
    H: ['terminated', timeoutH],
  },
  confirmed: { ack: ['confirmed', absorb], retransmit: ['confirmed', absorb], I: ['terminated', absorb] },
  // RFC 6026 §7.1: 2xx retransmissions come from the TU; INVITE retransmissions are absorbed.
  accepted: { final2xx: ['accepted', send], retransmit: ['accepted', absorb], ack: ['accepted', absorb], L: ['terminated', absorb] },
};

/** RFC 3261 Figure 8. */
const NON_INVITE_TABLE: Table = {
  trying: {
    provisional: ['proceeding', send],
    final2xx: ['completed', startCompletedNonInvite],
    finalOther: ['completed', startCompletedNonInvite],
    retransmit: ['trying', absorb],
  },
  proceeding: {
    provisional: ['proceeding', send],
    final2xx: ['completed', startCompletedNonInvite],
    finalOther: ['completed', startCompletedNonInvite],
    retransmit: ['proceeding', resend],
  },
  completed: { retransmit: ['completed', resend], J: ['terminated', absorb] },
};

/** Stands for the request of a released transaction (never sent, never read). */
const RELEASED = new SipResponse(0, 'released');

/** The timers of the machine (RFC 3261 §17.2, RFC 6026), one slot each in its `TimerSet`. */
const TIMER_NAMES = ['G', 'H', 'I', 'J', 'L'] as const;

/** A server transaction: the TU answers `request` through `respond` or `reply`. */
export class ServerTransaction {
  state: TxState;
  /** The last response sent, answered again to retransmissions. */
  lastResponse: SipResponse | undefined;
  /** Called when a CANCEL matched this INVITE before its final response (§9.2); 487 is already sent. */
  onCancel: (() => void) | undefined;
  /** Called when Timer H fires: the ACK for a non-2xx final response never came. */
  onAckTimeout: (() => void) | undefined;
  /** Called once when the transaction ends. */
  onTerminated: (() => void) | undefined;
  readonly timers: TimerSet<(typeof TIMER_NAMES)[number]>;
  gInterval = 0;
  /** When Timer L ends Accepted (clock time; set on entering it). */
  acceptedUntil = 0;
  /** When Timer J ends a non-INVITE Completed on UDP (clock time; set on entering it). */
  completedUntil = 0;
  private tag: string | undefined;
  private readonly table: Table;
  private arrival: Inbound;
  /** Status of the last final response sent (0: none yet); kept after `release`. */
  private finalStatus = 0;
  private released = false;

  constructor(
    readonly key: string,
    inbound: Inbound,
    readonly ctx: TxContext,
  ) {
    this.arrival = inbound;
    this.isInvite = this.request.method === 'INVITE';
    this.table = this.isInvite ? INVITE_TABLE : NON_INVITE_TABLE;
    this.state = this.isInvite ? 'proceeding' : 'trying';
    this.timers = new TimerSet(ctx.clock, TIMER_NAMES);
  }

  readonly isInvite: boolean;

  /** How the request arrived (its message is gone after `release`). */
  get inbound(): Inbound {
    return this.arrival;
  }

  /**
   * The request this transaction answers.
   * @throws Error after `release`
   */
  get request(): SipRequest {
    if (this.released) throw new Error(`server transaction released [key:${this.key}]`);
    return this.arrival.message as SipRequest;
  }

  /** True on TCP/TLS: no retransmissions, zero-length wait timers. */
  get reliable(): boolean {
    return this.arrival.source.protocol !== 'udp';
  }

  /**
   * The TU needs nothing more of this INVITE transaction (its 2xx was acknowledged, or never
   * will be; it sends no more 2xx). What is left of Accepted (RFC 6026 §7.1: until Timer L,
   * 64*T1, absorb retransmitted INVITEs) needs only the key: the layer keeps it, with the To
   * tag for a late CANCEL, in a table one timer sweeps, and this transaction ends now (about
   * 100 bytes a call for those 32 s instead of the transaction, its timer and, before, the
   * parsed INVITE and the 200). Only in Accepted. The machine itself releases a non-INVITE
   * transaction `REQUEST_GRACE_MS` into Completed on UDP: the layer then keeps the key, the
   * final response and where it goes, and answers retransmitted requests until Timer J.
   */
  release(): void {
    const releasable = this.isInvite ? this.state === 'accepted' : this.state === 'completed';
    if (!releasable || this.released) return;
    this.dropRequest();
    if (!this.isInvite) {
      if (this.lastResponse === undefined) return;
      this.ctx.retire(this.key, this.completedUntil, { kind: 'answered', response: this.lastResponse, arrival: this.arrival });
    } else {
      this.lastResponse = undefined;
      this.ctx.retire(this.key, this.acceptedUntil, { kind: 'accepted', tag: this.tag });
    }
    this.terminate();
  }

  /**
   * Lets go of the request and the last response once nothing can need them again (an INVITE
   * in Confirmed): `request` throws from then on, and no response is sent any more.
   */
  shed(): void {
    if (this.released) return;
    this.dropRequest();
    this.lastResponse = undefined;
  }

  /** Keeps only where the request came from (responses go there); `request` throws from now on. */
  private dropRequest(): void {
    this.released = true;
    const { source, local, receivedAt, connectionId } = this.arrival;
    this.arrival = { message: RELEASED, source, local, receivedAt, ...(connectionId === undefined ? {} : { connectionId }) };
  }

  /** The To tag used by `reply` when none is given, and by the 487 sent on CANCEL. */
  get localTag(): string {
    this.tag ??= newTag();
    return this.tag;
  }

  /** Sets the To tag (a dialog created from this request chooses it). */
  set localTag(tag: string) {
    this.tag = tag;
  }

  /** True once a final response was sent. */
  get finalSent(): boolean {
    return this.finalStatus >= 200;
  }

  /** True once any response (provisional or final) was sent. */
  get responded(): boolean {
    return this.lastResponse !== undefined || this.finalStatus !== 0;
  }

  /**
   * The 100 (Trying) deferred by the layer is due (RFC 3261 §17.2.1): sent only in
   * Proceeding and only when the TU has sent no response yet; otherwise nothing happens.
   */
  sendTrying(): void {
    this.fire('trying');
  }

  /** Passes a response from the TU to the machine. Ignored once terminated or not allowed. */
  respond(res: SipResponse): void {
    const event: ServerEvent = res.status < 200 ? 'provisional' : res.status < 300 ? 'final2xx' : 'finalOther';
    this.fire(event, res);
  }

  /**
   * Builds a response to the request (RFC 3261 §8.2.6) and sends it. A transaction whose
   * request was released (a non-INVITE in Completed, an INVITE in Accepted or Confirmed)
   * ignores it, as it ignores any TU response after the final one, and returns that final
   * response (a placeholder once that is gone too: an INVITE in Confirmed).
   */
  reply(status: number, options: ReplyOptions = {}): SipResponse {
    if (this.released) return this.lastResponse ?? RELEASED;
    const res = createResponse(this.request, status, options.reason, status === 100 ? undefined : (options.toTag ?? this.localTag));
    for (const [name, value] of options.headers ?? []) res.append(name, value);
    if (options.body !== undefined) {
      res.body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
      if (options.contentType) res.set('Content-Type', options.contentType);
    }
    this.respond(res);
    return res;
  }

  /** A retransmission of the request arrived. */
  receiveRetransmission(): void {
    this.ctx.stats.retransmissionsReceived++;
    this.fire('retransmit');
  }

  /** An ACK matched this INVITE transaction. */
  receiveAck(): void {
    this.fire('ack');
  }

  /** Runs one transition; events with no entry for the state are ignored. */
  fire(event: ServerEvent, res?: SipResponse): void {
    const entry = this.table[this.state]?.[event];
    if (!entry) return;
    const [next, action] = entry;
    this.state = next;
    action(this, res);
    if (next === 'terminated') this.terminate();
  }

  /** Sends a response and remembers it for retransmissions. */
  transmit(res: SipResponse): void {
    if (!this.released) this.lastResponse = res;
    if (res.status >= 200) this.finalStatus = res.status;
    // A CANCEL after the final response changes nothing (§9.2): drop the TU's callback, so
    // that the transaction (alive 64*T1 after a 2xx, RFC 6026) does not keep the call alive.
    if (res.status >= 200) this.onCancel = undefined;
    // §12.1.1: every response of one dialog carries the same To tag, so the first tag the
    // TU chose (e.g. on a 180) is the one a 487 after CANCEL must carry too (§9.2).
    if (this.tag === undefined && res.status > 100) this.tag = res.to.tag;
    this.ctx.transport.sendResponse(res, this.arrival).catch((err: unknown) => this.ctx.report(err));
  }

  /** Sends the last response again. */
  retransmitLast(): void {
    if (!this.lastResponse) return;
    this.ctx.stats.retransmissionsSent++;
    this.transmit(this.lastResponse);
  }

  /** (Re)starts Timer G with `ms`. */
  startG(ms: number): void {
    this.gInterval = ms;
    this.timers.start('G', ms, () => this.fire('G'));
  }

  /** Runs a TU callback without letting it throw into the machine. */
  safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.report(err);
    }
  }

  /** Ends the transaction at once (also used by the layer on close). */
  terminate(): void {
    this.state = 'terminated';
    this.timers.clear();
    this.ctx.remove(this.key, true);
    const cb = this.onTerminated;
    this.onTerminated = undefined;
    if (cb) this.safe(cb);
  }
}
