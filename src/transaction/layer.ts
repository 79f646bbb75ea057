/**
 * The transaction layer (RFC 3261 §17): matches requests and responses to transactions,
 * creates server transactions for new requests, answers CANCEL (§9.2) and hands the
 * rest to the transaction user.
 */
import { SlotMap } from '../lib/slot-map.ts';
import { SipRequest, type SipResponse } from '../sip/index.ts';
import type { Endpoint, Inbound } from '../transport/types.ts';
import { ClientTransaction } from './client.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import type { Retired, TxContext } from './context.ts';
import { clientKey, responseKey, serverKey } from './keys.ts';
import { RetiredKeys } from './retired.ts';
import { ServerTransaction } from './server.ts';
import {
  DEFAULT_TIMERS, type ClientHandlers, type TimerConfig, type TransactionStats,
  type TransactionTransport, type TransactionUser,
} from './types.ts';

/** How late past its timer a retired transaction's key may be dropped, ms (one sweep covers many). */
const RETIRED_SWEEP_SLACK_MS = 250;

/** Options of a `TransactionLayer`. */
export interface TransactionLayerOptions {
  /** Time source; `systemClock` by default. Tests pass a `ManualClock`. */
  clock?: Clock;
  /** Timer base values (ms); RFC 3261 defaults. */
  timers?: Partial<TimerConfig>;
  /** Called with errors that must not escape (failed sends, throwing handlers). */
  onError?: (err: unknown) => void;
  /**
   * How long a new INVITE waits for the TU's first response before the layer sends
   * 100 (Trying) itself (RFC 3261 §17.2.1), in ms. Default 0: the end of the current
   * event-loop turn (see `TransactionLayer.deferTrying`).
   */
  tryingDelay?: number;
}

/** Owns every transaction of one SIP endpoint. */
export class TransactionLayer {
  // SlotMaps, not Maps: see src/lib/slot-map.ts (transactions come and go by the thousand a second).
  private readonly servers = new SlotMap<ServerTransaction>();
  private readonly clients = new SlotMap<ClientTransaction>();
  /** Accepted INVITE server transactions whose TU let go (Timer L). */
  private readonly retiredInvites: RetiredKeys<Retired>;
  /** Completed non-INVITE server transactions past their grace (Timer J). */
  private readonly retiredRequests: RetiredKeys<Retired>;
  /** Completed non-INVITE client transactions whose TU had the final response (Timer K). */
  private readonly retiredClients: RetiredKeys<Retired>;
  private readonly ctx: TxContext;
  /** Counters; the active counts include the retired transactions (they still absorb). */
  readonly stats: TransactionStats;
  private closed = false;
  private readonly tryingDelay: number;
  /** INVITE server transactions that had sent nothing when their TU returned. */
  private awaitingTrying: ServerTransaction[] = [];
  /** One timer for every 100 owed in this turn, not one per INVITE. */
  private tryingTimer: TimerHandle | undefined;
  private readonly flushTrying = (): void => {
    const due = this.awaitingTrying;
    this.awaitingTrying = [];
    this.tryingTimer = undefined;
    for (const tx of due) {
      try {
        tx.sendTrying();
      } catch (err) {
        this.ctx.report(err); // one failure must not cost the others their 100
      }
    }
  };

  constructor(
    transport: TransactionTransport,
    private readonly tu: TransactionUser,
    options: TransactionLayerOptions = {},
  ) {
    const onError = options.onError ?? (() => {});
    this.tryingDelay = options.tryingDelay ?? 0;
    const clock = options.clock ?? systemClock;
    this.retiredInvites = new RetiredKeys(clock, RETIRED_SWEEP_SLACK_MS);
    this.retiredRequests = new RetiredKeys(clock, RETIRED_SWEEP_SLACK_MS);
    this.retiredClients = new RetiredKeys(clock, RETIRED_SWEEP_SLACK_MS);
    const { servers, clients, retiredInvites, retiredRequests, retiredClients } = this;
    this.stats = {
      get serverActive() { return servers.size + retiredInvites.size + retiredRequests.size; },
      get clientActive() { return clients.size + retiredClients.size; },
      retransmissionsSent: 0, retransmissionsReceived: 0, timeouts: 0,
    };
    this.ctx = {
      clock,
      timers: { ...DEFAULT_TIMERS, ...options.timers },
      transport,
      stats: this.stats,
      remove: (key, server) => this.remove(key, server),
      retire: (key, at, what) => this.retire(key, at, what),
      report: onError,
    };
    transport.onMessage((inbound) => {
      try {
        this.dispatch(inbound);
      } catch (err) {
        onError(err);
      }
    });
  }

  /** The clock the layer runs on. */
  get clock(): Clock {
    return this.ctx.clock;
  }

  /** Starts a client transaction for `req` (which must carry its top Via with a branch). */
  request(req: SipRequest, target: Endpoint, handlers: ClientHandlers = {}): ClientTransaction {
    const branch = req.via.branch;
    if (!branch) throw new Error('request has no Via branch');
    const key = clientKey(branch, req.method);
    const tx = new ClientTransaction(key, req, target, this.ctx, handlers);
    if (this.closed) {
      // Nothing is sent any more: a final response now, so that no caller waits forever.
      if (req.method !== 'ACK') tx.abort();
      return tx;
    }
    if (req.method !== 'ACK') {
      this.clients.set(key, tx);
      tx.start();
    } else {
      // An ACK for a 2xx is a transaction of its own that is never answered (§17.1.1.3).
      this.ctx.transport.sendRequest(req, target).catch((err: unknown) => this.ctx.report(err));
    }
    return tx;
  }

  /** Finds the INVITE server transaction a request (e.g. CANCEL) refers to. */
  findInviteServer(req: SipRequest): ServerTransaction | undefined {
    return this.servers.get(serverKey(req, 'INVITE'));
  }

  /**
   * Ends every transaction and stops handling messages. A client transaction still waiting
   * settles its `final` with a synthesized 503 (see `ClientTransaction.abort`).
   */
  close(): void {
    this.closed = true;
    this.tryingTimer?.cancel();
    this.tryingTimer = undefined;
    this.awaitingTrying = [];
    for (const tx of [...this.servers.values()]) tx.terminate();
    for (const tx of [...this.clients.values()]) tx.abort();
    this.retiredInvites.clear();
    this.retiredRequests.clear();
    this.retiredClients.clear();
  }

  private dispatch(inbound: Inbound): void {
    if (this.closed) return;
    const msg = inbound.message;
    if (msg instanceof SipRequest) this.onRequest(msg, inbound);
    else this.onResponse(msg, inbound);
  }

  private onRequest(req: SipRequest, inbound: Inbound): void {
    const key = serverKey(req);
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      if (existing && existing.state !== 'accepted') existing.receiveAck();
      else this.tu.onAck?.(inbound);
      return;
    }
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    if (this.answerRetired(key)) return;
    const tx = new ServerTransaction(key, inbound, this.ctx);
    this.servers.set(key, tx);
    if (req.method === 'CANCEL') {
      this.handleCancel(tx);
      return;
    }
    this.deliverRequest(tx);
    if (req.method === 'INVITE' && !tx.responded && tx.state === 'proceeding') this.deferTrying(tx);
  }

  /**
   * RFC 3261 §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless
   * it knows that the TU will generate a provisional or final response within 200 ms."
   * The layer cannot know when an asynchronous TU will answer; it knows only what the TU
   * has answered. So the 100 waits `tryingDelay` (default 0: until the I/O callbacks and
   * microtasks of the current event-loop turn have run, which is where a TU that answers
   * from memory, as the gateway does for an agent with no ring time, sends its 180 or
   * final) and goes out only if the TU has still sent nothing: well inside 200 ms, and far
   * inside the T1 (500 ms) after which the client retransmits. A retransmission that comes
   * first gets its 100 at once (`resendOrTrying` in server.ts). Transactions that answer
   * or end meanwhile are skipped when the timer fires (`sendTrying` acts in Proceeding
   * with nothing sent only); `close` drops the list.
   */
  private deferTrying(tx: ServerTransaction): void {
    this.awaitingTrying.push(tx);
    this.tryingTimer ??= this.ctx.clock.setTimer(this.tryingDelay, this.flushTrying);
  }

  /**
   * Hands a new request to the TU. A TU that throws before answering gets its request
   * answered 500 (§21.5.1), so the transaction still ends by its timers instead of
   * staying in the table unanswered while the peer retransmits.
   */
  private deliverRequest(tx: ServerTransaction): void {
    try {
      this.tu.onRequest(tx);
    } catch (err) {
      this.ctx.report(err);
      if (!tx.finalSent && tx.state !== 'terminated') tx.reply(500);
    }
  }

  /**
   * RFC 3261 §9.2: a CANCEL matching a pending INVITE gets 200 and the INVITE gets 487;
   * with no match, 481. A CANCEL after the final response changes nothing but is answered 200.
   */
  private handleCancel(cancelTx: ServerTransaction): void {
    const invite = this.findInviteServer(cancelTx.request);
    if (!invite) {
      const accepted = this.retiredInvites.size > 0 ? this.retiredInvites.get(serverKey(cancelTx.request, 'INVITE')) : undefined;
      if (accepted?.kind !== 'accepted') cancelTx.reply(481);
      // Its 2xx is out: the CANCEL has no effect and is answered 200 (§9.2).
      else cancelTx.reply(200, accepted.tag === undefined ? {} : { toTag: accepted.tag });
      return;
    }
    cancelTx.reply(200, { toTag: invite.localTag });
    if (invite.finalSent) return;
    const onCancel = invite.onCancel; // the 487 (a final response) clears it
    invite.reply(487, { toTag: invite.localTag });
    if (onCancel) invite.safe(onCancel);
  }

  private onResponse(res: SipResponse, inbound: Inbound): void {
    const key = responseKey(res);
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (tx) tx.receive(res, inbound);
    // A retransmitted final response to a completed request is absorbed (§17.1.2.2).
    else if (key !== undefined && this.retiredClients.size > 0 && this.retiredClients.has(key)) return;
    else this.tu.onStrayResponse?.(res, inbound);
  }

  private remove(key: string, server: boolean): void {
    if (server) this.servers.delete(key);
    else this.clients.delete(key);
  }

  /** See `TxContext.retire`. */
  private retire(key: string, at: number, what: Retired): void {
    if (what.kind === 'client') {
      this.clients.delete(key);
      this.retiredClients.add(key, at, what);
      return;
    }
    this.servers.delete(key);
    (what.kind === 'accepted' ? this.retiredInvites : this.retiredRequests).add(key, at, what);
  }

  /**
   * A retransmitted request whose transaction was retired: an INVITE in Accepted is absorbed
   * (RFC 6026 §7.1), a completed non-INVITE request gets its final response again (§17.2.2).
   * @returns false when `key` is not retired
   */
  private answerRetired(key: string): boolean {
    const retired = (this.retiredInvites.size > 0 ? this.retiredInvites.get(key) : undefined)
      ?? (this.retiredRequests.size > 0 ? this.retiredRequests.get(key) : undefined);
    if (retired === undefined) return false;
    this.stats.retransmissionsReceived++;
    if (retired.kind === 'answered') {
      this.stats.retransmissionsSent++;
      this.ctx.transport.sendResponse(retired.response, retired.arrival).catch((err: unknown) => this.ctx.report(err));
    }
    return true;
  }
}
