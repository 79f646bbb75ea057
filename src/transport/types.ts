/**
 * Contracts of the transport layer (RFC 3261 §18): what the transaction layer and the
 * gateway see of UDP, TCP and TLS. Implementations live beside this file.
 */
import type { AnyMessage, ParseLimits, SipParseError, SipRequest, SipResponse } from '../sip/index.ts';

/** Transport protocols, lower case. */
export type Protocol = 'udp' | 'tcp' | 'tls';

/** A remote or local transport address. IPv6 addresses are written without brackets. */
export interface Endpoint {
  protocol: Protocol;
  address: string;
  port: number;
}

/** A message as it arrived. */
export interface Inbound {
  message: AnyMessage;
  /** Where it came from (the packet's source, not what the Via claims). */
  source: Endpoint;
  /** The listening address and port it arrived on. */
  local: Endpoint;
  /** Stream connection it arrived on (TCP/TLS), to send responses back on (§18.2.2). */
  connectionId?: string;
  /** Arrival time, ms since epoch. */
  receivedAt: number;
}

/** Why a message was not delivered upward. */
export interface DropEvent {
  reason: SipParseError['code'] | 'stray' | 'limit' | 'io';
  detail: string;
  source: Endpoint;
  /** True when the transport answered it (400/505/513) rather than dropping it. */
  answered: boolean;
}

/** Options for `Transport.listen`. */
export interface ListenOptions {
  /** Address to bind; `0.0.0.0`, `::`, `127.0.0.1`, `::1`… */
  host: string;
  /** Port for UDP and TCP (the same number); 0 picks a free port shared by both. */
  port: number;
  /** Protocols to open. Default `['udp', 'tcp']`. */
  protocols?: Protocol[];
  /** Address to advertise in Via/Contact/SDP when it differs from `host` (NAT, 0.0.0.0). */
  publicAddress?: string;
}

/** The transport layer as seen from above. */
export interface Transport {
  /** Called for every well-formed message; requests already carry received/rport (§18.2.1). */
  onMessage(handler: (inbound: Inbound) => void): void;
  /** Called for each malformed or dropped message (for metrics and logs). */
  onDrop(handler: (event: DropEvent) => void): void;
  /**
   * Sends a request to `target`. Per §18.1.1 a UDP request larger than 1300 bytes (MTU
   * minus 200) goes over TCP instead, and the top Via's transport is rewritten to match.
   * @returns the endpoint actually used
   */
  sendRequest(req: SipRequest, target: Endpoint): Promise<Endpoint>;
  /**
   * Sends a response to the request it answers (§18.2.2): on the request's connection
   * when it is still open (else a new one to `received`:`sent-by port`); over UDP to
   * `received` and `rport` (RFC 3581) or the Via's sent-by.
   */
  sendResponse(res: SipResponse, to: Inbound): Promise<void>;
  /** The address and port to advertise for a protocol (Via sent-by, Contact). */
  advertised(protocol: Protocol): Endpoint;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Schedules one-shot timers. Injected so tests drive idle and connect timeouts without
 * waiting; the default is Node's `setTimeout`/`clearTimeout` with unref'd handles.
 */
export interface TimerScheduler {
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer; a no-op for a handle that already fired or was cleared. */
  clearTimeout(handle: unknown): void;
}

/** Options of `SipTransport.listen`, on top of {@link ListenOptions}. */
export interface SipTransportOptions extends ListenOptions {
  /** Parser limits (`maxMessageBytes` default 65535, also the stream buffer cap). */
  limits?: Partial<ParseLimits>;
  /**
   * A TCP connection with no bytes in either direction for this long is closed, in ms.
   * Default 180000 (3 min): longer than the 95–120 s CRLF keep-alive interval of
   * RFC 5626 §4.4.1, so a flow kept alive by pings survives.
   */
  idleTimeoutMs?: number;
  /** Most open TCP connections, inbound and outbound together. Default 1024. */
  maxConnections?: number;
  /** Outbound TCP connect timeout, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** A connection whose unsent output exceeds this is closed (slow reader), in bytes. Default 4 MiB. */
  maxWriteBufferBytes?: number;
  /** UDP socket receive buffer, in bytes (the kernel may cap it). Default 4 MiB. */
  udpRecvBufferSize?: number;
  /** Clock for `receivedAt` and idle accounting, ms since epoch. Default `Date.now`. */
  now?: () => number;
  /** Timer scheduler for idle and connect timeouts. Default Node's timers. */
  timers?: TimerScheduler;
  /** Tries to find a port free for both UDP and TCP when `port` is 0. Default 10. */
  bindAttempts?: number;
  /**
   * How the UDP socket is read and written: `dgram` (default) through node:dgram, `native`
   * through the addon native/agentline_udp.c builds (one libuv poll callback per readable
   * event, several datagrams per recvmmsg(2), a send is one sendto(2)); `native` fails to bind
   * with `bind_failed` when the addon is not built. The gateway chooses with `sip.io`.
   */
  udpIo?: UdpIo;
}

/** The UDP socket implementations (see {@link SipTransportOptions.udpIo}). */
export type UdpIo = 'native' | 'dgram';

/**
 * A bound UDP socket as the transport uses it: node:dgram's (`UdpEndpoint`) or the native
 * addon's (`NativeUdpEndpoint`). One datagram is one message (RFC 3261 §18.1.1, §18.2.1).
 */
export interface DatagramEndpoint {
  /** The bound address and port. */
  readonly local: Endpoint;
  /** True for an IPv6 socket (dual-stack when bound to `::`). */
  readonly isIpv6: boolean;
  /**
   * Registers the datagram and socket-error listeners (once). Each datagram is a Buffer of its
   * own, which the listener may keep; the source address is normalised (IPv4-mapped as IPv4).
   */
  listen(onDatagram: (data: Buffer, source: Endpoint) => void, onError: (err: Error) => void): void;
  /**
   * Sends one datagram to an IP literal.
   * @throws TransportError `send_failed` (socket error, address family mismatch) or `closed`
   */
  send(data: Buffer, target: Endpoint): Promise<void>;
  /**
   * Sends one datagram within the call, where the socket can (the native addon's: one
   * sendto(2)), with no promise to make and settle. Absent where a send completes later
   * (node:dgram): use `send`.
   * @throws TransportError as `send` rejects
   */
  sendNow?(data: Buffer, target: Endpoint): void;
  /** Closes the socket. Idempotent. */
  close(): Promise<void>;
}

/** Counters of one transport (`SipTransport.stats()`), monotonic except `connectionsOpen`. */
export interface TransportStats {
  datagramsIn: number;
  datagramsOut: number;
  /** Stream messages (frames) received and sent over TCP/TLS. */
  streamMessagesIn: number;
  streamMessagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Parse failures by `SipParseError` code (an unframeable stream counts as `bad_content_length` or `too_large`). */
  parseErrors: Record<string, number>;
  /** Drops by `DropEvent.reason`. */
  drops: Record<string, number>;
  /** Malformed requests the transport answered itself (400/505/513). */
  errorResponses: number;
  /** CRLF CRLF pings answered with CRLF (RFC 5626 §3.5.1). */
  keepalivesAnswered: number;
  /** UDP requests sent over TCP because of their size (RFC 3261 §18.1.1). */
  tcpFallbacks: number;
  /** Exceptions thrown (or promises rejected) by onMessage/onDrop handlers. */
  handlerErrors: number;
  connectionsOpen: number;
  connectionsAccepted: number;
  connectionsConnected: number;
  connectionsRejected: number;
  connectionsIdleClosed: number;
}
