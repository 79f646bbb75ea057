/**
 * Client transactions (RFC 3261 §17.1, RFC 6026): the INVITE machine (Calling,
 * Proceeding, Completed, Accepted) and the non-INVITE machine (Trying, Proceeding,
 * Completed), as transition tables. A timeout is reported as a synthesized 408 and a
 * transport failure as a 503 (RFC 3261 §8.1.3.1), so a TU only ever sees responses.
 */
import { parseUri, SipRequest, SipResponse, REASONS, type AnyMessage } from '../sip/index.ts';
import type { Endpoint, Inbound } from '../transport/types.ts';
import { TimerSet, type Retired, type TxContext } from './context.ts';
import type { ClientHandlers, TxState } from './types.ts';

type ClientEvent = 'provisional' | 'final2xx' | 'finalOther' | 'A' | 'B' | 'D' | 'E' | 'F' | 'K' | 'M' | 'error';
type Action = (tx: ClientTransaction, res?: SipResponse, inbound?: Inbound) => void;
type Table = Partial<Record<TxState, Partial<Record<ClientEvent, [TxState, Action]>>>>;

const pass: Action = (tx, res, inbound) => tx.deliver(res as SipResponse, inbound);
const ignore: Action = () => {};
const timerA: Action = (tx) => {
  tx.retransmit();
  tx.startRetransmit('A', tx.interval * 2);
};
const timeout: Action = (tx) => {
  tx.ctx.stats.timeouts++;
  tx.deliver(tx.synthesize(408), undefined);
};
const transportError: Action = (tx) => tx.deliver(tx.synthesize(503), undefined);
// §17.1.1.2: a 1xx stops retransmissions, and Timer B only ends Calling: ringing may
// outlast 64*T1 (the TU bounds it, e.g. with CANCEL).
const inviteProceeding: Action = (tx, res, inbound) => {
  tx.timers.stop('A');
  tx.timers.stop('B');
  tx.deliver(res as SipResponse, inbound);
};
const inviteAccepted: Action = (tx, res, inbound) => {
  tx.timers.stop('A');
  tx.timers.stop('B');
  tx.timers.start('M', 64 * tx.ctx.timers.t1, () => tx.fire('M'));
  tx.deliver(res as SipResponse, inbound);
};
const inviteCompleted: Action = (tx, res, inbound) => {
  tx.timers.stop('A');
  tx.timers.stop('B');
  tx.sendAck(res as SipResponse);
  tx.timers.start('D', tx.reliable ? 0 : tx.ctx.timers.timerD, () => tx.fire('D'));
  tx.deliver(res as SipResponse, inbound);
};
const resendAck: Action = (tx, res) => tx.sendAck(res as SipResponse);
const timerE: Action = (tx) => {
  tx.retransmit();
  const { t2 } = tx.ctx.timers;
  tx.startRetransmit('E', tx.state === 'proceeding' ? t2 : Math.min(2 * tx.interval, t2));
};
// Completed only absorbs retransmitted finals until Timer K (T4 = 5 s on UDP): once the TU
// has had the response (and the microtasks that await it have run), the transaction hands its
// key to the layer's table of retired ones and ends, so that a BYE the gateway sent keeps
// about 100 bytes for those 5 s instead of its request, its 200, the TU's closures and a
// timer (about 5.7 KB).
const nonInviteCompleted: Action = (tx, res, inbound) => {
  tx.timers.stop('E');
  tx.timers.stop('F');
  const k = tx.reliable ? 0 : tx.ctx.timers.t4;
  tx.completedUntil = tx.ctx.clock.now() + k;
  tx.timers.start('K', k, () => tx.fire('K'));
  tx.deliver(res as SipResponse, inbound);
  if (k > 0) tx.timers.start('R', 0, () => tx.release());
};

/** RFC 3261 Figure 5 with RFC 6026 Figure 3 (Accepted, Timer M). */
const INVITE_TABLE: Table = {
  calling: {
    A: ['calling', timerA], B: ['terminated', timeout], error: ['terminated', transportError],
    provisional: ['proceeding', inviteProceeding], final2xx: ['accepted', inviteAccepted], finalOther: ['completed', inviteCompleted],
  },
  proceeding: {
    provisional: ['proceeding', pass], final2xx: ['accepted', inviteAccepted], finalOther: ['completed', inviteCompleted],
    error: ['terminated', transportError],
  },
  completed: { finalOther: ['completed', resendAck], D: ['terminated', ignore] },
  accepted: { final2xx: ['accepted', pass], M: ['terminated', ignore] },
};

/** RFC 3261 Figure 6. */
const NON_INVITE_TABLE: Table = {
  trying: {
    E: ['trying', timerE], F: ['terminated', timeout], error: ['terminated', transportError],
    provisional: ['proceeding', pass], final2xx: ['completed', nonInviteCompleted], finalOther: ['completed', nonInviteCompleted],
  },
  proceeding: {
    E: ['proceeding', timerE], F: ['terminated', timeout], error: ['terminated', transportError],
    provisional: ['proceeding', pass], final2xx: ['completed', nonInviteCompleted], finalOther: ['completed', nonInviteCompleted],
  },
  completed: { K: ['terminated', ignore] },
};

/** The timers of the machine (RFC 3261 §17.1), one slot each in its `TimerSet`; R releases (ours). */
const TIMER_NAMES = ['A', 'B', 'D', 'E', 'F', 'K', 'M', 'R'] as const;

/** Stands for the request of a released transaction (never sent, never read). */
const RELEASED = new SipRequest('OPTIONS', parseUri('sip:released.invalid'));
const NO_HANDLERS: ClientHandlers = {};
const settledAlready = (): void => {};
const RETIRED_CLIENT: Retired = { kind: 'client' };

/** A client transaction. `final` resolves with the final response (or a synthesized 408/503). */
export class ClientTransaction {
  state: TxState;
  readonly timers: TimerSet<(typeof TIMER_NAMES)[number]>;
  interval = 0;
  /** When Timer K ends Completed (clock time; set on entering it). */
  completedUntil = 0;
  private finalPromise: Promise<SipResponse> | undefined;
  /** The endpoint the request actually went to (after any UDP→TCP switch). */
  sentTo: Endpoint;
  private resolveFinal!: (res: SipResponse) => void;
  /** True once `final` has settled. */
  private settled = false;
  private readonly table: Table;
  readonly isInvite: boolean;

  constructor(
    readonly key: string,
    private req: SipRequest,
    readonly target: Endpoint,
    readonly ctx: TxContext,
    private handlers: ClientHandlers = NO_HANDLERS,
  ) {
    this.isInvite = req.method === 'INVITE';
    this.table = this.isInvite ? INVITE_TABLE : NON_INVITE_TABLE;
    this.state = this.isInvite ? 'calling' : 'trying';
    this.timers = new TimerSet(ctx.clock, TIMER_NAMES);
    this.sentTo = target;
    this.finalPromise = new Promise((resolve) => { this.resolveFinal = resolve; });
  }

  /**
   * The request this transaction sends.
   * @throws Error once a completed non-INVITE transaction has let it go (see `release`)
   */
  get request(): SipRequest {
    if (this.req === RELEASED) throw new Error(`client transaction released [key:${this.key}]`);
    return this.req;
  }

  /**
   * Resolves with the first final response; never rejects. Read it when the request is sent.
   * @throws Error once a completed non-INVITE transaction has let it go (see `release`)
   */
  get final(): Promise<SipResponse> {
    if (this.finalPromise === undefined) throw new Error(`client transaction released [key:${this.key}]`);
    return this.finalPromise;
  }

  /**
   * A completed non-INVITE transaction lets go of what only its TU needed: the request, the
   * handlers and the settled `final` (those who awaited it hold it themselves); what is left
   * of Completed, absorbing retransmitted finals until Timer K, needs only the key, which the
   * layer keeps (see `TxContext.retire`), and the transaction ends. The machine calls it on
   * a zero timer after the final response, i.e. after the TU's microtasks.
   */
  release(): void {
    if (this.isInvite || this.state !== 'completed') return;
    this.req = RELEASED;
    this.handlers = NO_HANDLERS;
    this.finalPromise = undefined;
    this.resolveFinal = settledAlready; // a resolving function holds its promise, and the promise its value
    this.ctx.retire(this.key, this.completedUntil, RETIRED_CLIENT);
    this.terminate();
  }

  /** True once the request travels over TCP/TLS. */
  get reliable(): boolean {
    return this.sentTo.protocol !== 'udp';
  }

  /** Sends the request and starts the timers (§17.1.1.2, §17.1.2.2). */
  start(): void {
    const { t1 } = this.ctx.timers;
    this.send(true);
    if (this.isInvite) this.timers.start('B', 64 * t1, () => this.fire('B'));
    else this.timers.start('F', 64 * t1, () => this.fire('F'));
    if (!this.reliable) this.startRetransmit(this.isInvite ? 'A' : 'E', t1);
  }

  /** A response matched this transaction. */
  receive(res: SipResponse, inbound: Inbound): void {
    const event: ClientEvent = res.status < 200 ? 'provisional' : res.status < 300 ? 'final2xx' : 'finalOther';
    this.fire(event, res, inbound);
  }

  /** Runs one transition; events with no entry for the state are ignored. */
  fire(event: ClientEvent, res?: SipResponse, inbound?: Inbound): void {
    const entry = this.table[this.state]?.[event];
    if (!entry) return;
    const [next, action] = entry;
    this.state = next;
    action(this, res, inbound);
    if (next === 'terminated') this.terminate();
  }

  /** Hands a response to the TU and settles `final` on the first final one. */
  deliver(res: SipResponse, inbound: Inbound | undefined): void {
    if (res.status >= 200) {
      this.settled = true;
      this.resolveFinal(res);
    }
    try {
      this.handlers.onResponse?.(res, inbound);
    } catch (err) {
      this.ctx.report(err);
    }
  }

  /** (Re)starts retransmit timer A or E with `ms`. */
  startRetransmit(name: 'A' | 'E', ms: number): void {
    this.interval = ms;
    this.timers.start(name, ms, () => this.fire(name));
  }

  /** Sends the request again (Timer A/E). */
  retransmit(): void {
    this.ctx.stats.retransmissionsSent++;
    this.send(false);
  }

  /**
   * The ACK for a non-2xx final response (§17.1.1.3): same Request-URI, Call-ID, From,
   * CSeq number and top Via as the INVITE, To from the response, Route copied.
   */
  sendAck(res: SipResponse): void {
    const ack = new SipRequest('ACK', this.request.uri);
    ack.append('Via', this.request.get('via') as string);
    ack.append('Max-Forwards', 70);
    for (const h of this.request.headers) {
      if (h.key === 'route') ack.append(h.name, h.value);
    }
    ack.append('From', this.request.get('from') as string);
    ack.append('To', res.get('to') as string);
    ack.append('Call-ID', this.request.callId);
    ack.append('CSeq', `${this.request.cseq.seq} ACK`);
    this.ctx.transport.sendRequest(ack, this.sentTo).catch((err: unknown) => this.ctx.report(err));
  }

  /** A response made up by the transaction layer (408 timeout, 503 transport error). */
  synthesize(status: number): SipResponse {
    const res = new SipResponse(status, REASONS[status] ?? '');
    copyIdentity(this.request, res);
    return res;
  }

  /**
   * Ends the transaction because its layer closes (or is closed). One still waiting for its
   * final response gets a synthesized 503, as for a transport failure (RFC 3261 §8.1.3.1):
   * the layer's transport is going away, and `final` must settle for the TU to move on.
   */
  abort(): void {
    if (this.state === 'terminated') return;
    if (!this.settled) this.deliver(this.synthesize(503), undefined);
    this.terminate();
  }

  /** Ends the transaction at once. */
  terminate(): void {
    this.state = 'terminated';
    this.timers.clear();
    this.ctx.remove(this.key, false);
  }

  private send(first: boolean): void {
    this.ctx.transport.sendRequest(this.request, this.sentTo).then((used) => {
      if (!first) return;
      this.sentTo = used;
      // §18.1.1: the transport moved a large request to TCP; reliable transports get no retransmissions.
      if (used.protocol !== 'udp') {
        this.timers.stop('A');
        this.timers.stop('E');
      }
    }, (err: unknown) => {
      this.ctx.report(err);
      this.fire('error');
    });
  }
}

function copyIdentity(from: AnyMessage, to: AnyMessage): void {
  for (const h of from.headers) {
    if (h.key === 'via' || h.key === 'from' || h.key === 'to' || h.key === 'call-id' || h.key === 'cseq') to.headers.push({ ...h });
  }
}
