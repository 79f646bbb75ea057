/** Contracts of the transaction layer (RFC 3261 §17). */
import type { SipRequest, SipResponse } from '../sip/index.ts';
import type { Endpoint, Inbound, Transport } from '../transport/types.ts';
import type { ServerTransaction } from './server.ts';

/** What the transaction layer needs of a transport. */
export type TransactionTransport = Pick<Transport, 'onMessage' | 'sendRequest' | 'sendResponse'>;

/** Timer base values in ms (RFC 3261 §17.1.1.1, Table 4). */
export interface TimerConfig {
  /** RTT estimate. Default 500. */
  t1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses. Default 4000. */
  t2: number;
  /** Longest time a message stays in the network. Default 5000. */
  t4: number;
  /** Timer D on unreliable transports (≥ 32 s). Default 32000. */
  timerD: number;
}

/** Default timer values. */
export const DEFAULT_TIMERS: Readonly<TimerConfig> = { t1: 500, t2: 4000, t4: 5000, timerD: 32000 };

/** States of all four machines, named after RFC 3261 §17 and RFC 6026 ("accepted"). */
export type TxState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** Handlers a transaction user gives the layer. */
export interface TransactionUser {
  /** A new request outside any transaction: the TU must answer it through `tx`. */
  onRequest(tx: ServerTransaction): void;
  /** An ACK that matched no transaction: the ACK for a 2xx (RFC 3261 §17.2.3, §13.3.1.4). */
  onAck?(inbound: Inbound): void;
  /** A response that matched no client transaction, e.g. a 2xx retransmitted after the tx ended. */
  onStrayResponse?(res: SipResponse, inbound: Inbound): void;
}

/** Events of a client transaction. */
export interface ClientHandlers {
  /** Every response, provisional or final, including 2xx retransmissions (RFC 6026 Accepted). */
  onResponse?(res: SipResponse, inbound: Inbound | undefined): void;
}

/** Counters for metrics. */
export interface TransactionStats {
  serverActive: number;
  clientActive: number;
  retransmissionsSent: number;
  retransmissionsReceived: number;
  timeouts: number;
}

/** Where a client transaction sends. */
export type Target = Endpoint;

/** A request the layer sends for the TU. */
export interface OutboundRequest {
  request: SipRequest;
  target: Target;
}
