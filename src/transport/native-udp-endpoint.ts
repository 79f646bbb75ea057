/**
 * The SIP UDP socket on the native addon (src/lib/native-udp.ts; `udpIo: 'native'`), with
 * the surface of udp.ts's `UdpEndpoint` ({@link DatagramEndpoint}). node:dgram costs a libuv
 * callback, a fresh ArrayBuffer and an address object per received datagram, and a request
 * object and a callback per send. Here:
 * - one libuv poll callback per readable event reads up to 64 datagrams, 8 per recvmmsg(2),
 *   into one buffer shared by every endpoint; the poll is level-triggered, so what is left
 *   comes on the next event, and one flooding peer cannot hold the event loop;
 * - each datagram is copied out into a Buffer of its own (the SIP parser keeps slices of it,
 *   the body among them) before the listener sees it; the source's text is made once per
 *   source, not per datagram;
 * - a send is one sendto(2), synchronous: it resolves (or rejects) at once, with no callback.
 * Every target is an IP literal (Via received/rport, the packet's source): host names are
 * refused, not resolved.
 */
import { isIP, isIPv6 } from 'node:net';
import { constants } from 'node:os';
import { errnoError, loadNativeUdp, META_STRIDE, Meta, SourceText, type NativeUdp } from '../lib/native-udp.ts';
import { formatEndpoint, normalizeAddress } from './address.ts';
import { TransportError } from './errors.ts';
import type { DatagramEndpoint, Endpoint } from './types.ts';
import { SETTLED } from '../lib/settled.ts';

/** Bytes per datagram slot: a UDP datagram's maximum payload fits, so nothing legal is truncated. */
export const SLOT_BYTES = 65_536;
/** Datagrams per `recvLarge` call. */
export const SLOTS = 8;
/** Datagrams read per readable event at most; the rest wait for the next event (level-triggered). */
export const MAX_PER_EVENT = 64;

const EMSGSIZE = -constants.errno.EMSGSIZE;
const EINVAL = -constants.errno.EINVAL;

/**
 * Errors an ICMP message leaves on a socket: noise for a server socket that answers whoever
 * wrote (Linux reports them only on a connected socket or with IP_RECVERR, neither of which
 * this one is, so node:dgram never sees them either). Dropped, not reported.
 */
const ICMP_NOISE = new Set([
  constants.errno.ECONNREFUSED, constants.errno.EHOSTUNREACH, constants.errno.ENETUNREACH, constants.errno.ENETDOWN,
].map((e) => -e));

/** The read buffers, shared by every endpoint: nothing reads while a listener runs (see `#read`). */
let shared: { data: Buffer; meta: Int32Array } | undefined;

/** See the module comment. */
export class NativeUdpEndpoint implements DatagramEndpoint {
  #fd: number;
  #watch = -1;
  #onDatagram: ((data: Buffer, source: Endpoint) => void) | undefined;
  #onError: ((err: Error) => void) | undefined;
  /** The sources' text, normalised (IPv4-mapped as IPv4). */
  readonly #sources: SourceText;
  readonly #onReadable = (): void => this.#read();

  private constructor(
    private readonly udp: NativeUdp,
    fd: number,
    /** The bound address and port. */
    readonly local: Endpoint,
    /** True for an IPv6 socket (dual-stack when bound to `::`: IPV6_V6ONLY is left as the system sets it, as dgram leaves it). */
    readonly isIpv6: boolean,
  ) {
    this.#fd = fd;
    this.#sources = new SourceText(udp, normalizeAddress);
  }

  /**
   * Binds `host`:`port` (port 0 picks one).
   * @param host an IP literal
   * @param recvBufferSize SO_RCVBUF in bytes; the kernel may cap it (net.core.rmem_max)
   * @throws the bind error with Node's `code` (`EADDRINUSE`…; callers look at it), or an Error
   *   saying why the addon is not loaded
   */
  static bind(host: string, port: number, recvBufferSize: number): Promise<NativeUdpEndpoint> {
    const { udp, reason } = loadNativeUdp();
    if (udp === undefined) return Promise.reject(new Error(reason));
    const v6 = isIPv6(host);
    const fd = udp.open(v6, host, port, recvBufferSize);
    if (fd < 0) return Promise.reject(errnoError(fd, 'bind'));
    const bound = udp.localPort(fd);
    if (bound < 0) {
      udp.close(fd);
      return Promise.reject(errnoError(bound, 'getsockname'));
    }
    return Promise.resolve(new NativeUdpEndpoint(udp, fd, { protocol: 'udp', address: normalizeAddress(host), port: bound }, v6));
  }

  /**
   * Registers the listeners and starts reading. An exception thrown by `onDatagram` goes to
   * `onError` and the other datagrams are still delivered.
   * @throws an errno error when the socket cannot be watched (`EMFILE`: too many watches)
   */
  listen(onDatagram: (data: Buffer, source: Endpoint) => void, onError: (err: Error) => void): void {
    this.#onDatagram = onDatagram;
    this.#onError = onError;
    if (this.#fd < 0 || this.#watch >= 0) return;
    const id = this.udp.watch(this.#fd, this.#onReadable);
    if (id < 0) throw errnoError(id, 'uv_poll_init');
    this.#watch = id;
  }

  /**
   * Sends one datagram: one sendto(2). An IPv4 target of an IPv6 socket is reached through its
   * IPv4-mapped address (the addon maps it).
   * @throws TransportError `send_failed` (the errno error as `cause`; EAGAIN too: a full socket
   *   buffer loses the datagram, and UDP SIP retransmits), or `closed`
   */
  send(data: Buffer, target: Endpoint): Promise<void> {
    try {
      this.sendNow(data, target);
      return SETTLED;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link send}, done when it returns. @throws TransportError as `send` rejects */
  sendNow(data: Buffer, target: Endpoint): void {
    if (this.#fd < 0) throw new TransportError('closed', `transport closed [${formatEndpoint(target)}]`);
    const port = target.port;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw this.#sendFailed(target, 'bad port');
    const result = this.udp.sendTo(this.#fd, this.isIpv6, data, 0, data.length, target.address, port);
    if (result >= 0) return;
    // The addon refuses what inet_pton cannot read: say so when it is a host name.
    if (result === EINVAL && isIP(target.address) === 0) throw this.#sendFailed(target, 'not an IP address');
    throw this.#sendFailed(target, 'send failed', errnoError(result, 'sendto'));
  }

  /** Stops reading, then closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.#fd < 0) return SETTLED;
    this.#stopWatching();
    this.udp.close(this.#fd);
    this.#fd = -1;
    return SETTLED;
  }

  #stopWatching(): void {
    if (this.#watch >= 0) this.udp.unwatch(this.#watch);
    this.#watch = -1;
  }

  #sendFailed(target: Endpoint, what: string, cause?: Error): TransportError {
    return new TransportError('send_failed', `${what} [${formatEndpoint(target)}]`, cause === undefined ? undefined : { cause });
  }

  /** A readable event: reads batches until one comes back short or MAX_PER_EVENT were read. */
  #read(): void {
    const buffers = (shared ??= { data: Buffer.allocUnsafeSlow(SLOTS * SLOT_BYTES), meta: new Int32Array(SLOTS * META_STRIDE) });
    for (let read = 0; read < MAX_PER_EVENT && this.#fd >= 0;) {
      const n = this.udp.recvLarge(this.#fd, buffers.data, buffers.meta, SLOT_BYTES);
      if (n < 0) {
        // The fd itself is bad (EBADF, ENOTSOCK): a level-triggered poll would call again at once, forever.
        this.#stopWatching();
        this.#report(errnoError(n, 'recvmmsg'));
        return;
      }
      for (let k = 0, m = 0; k < n && this.#fd >= 0; k++, m += META_STRIDE) this.#deliver(buffers.data, buffers.meta, m);
      if (n < SLOTS) return;
      read += n;
    }
  }

  /** One datagram: copied out of the shared buffer, then handed to the listener. */
  #deliver(data: Buffer, meta: Int32Array, m: number): void {
    const length = meta[m + Meta.length]!;
    if (length < 0) {
      if (length !== EMSGSIZE && !ICMP_NOISE.has(length)) this.#report(errnoError(length, 'recvmmsg'));
      return;
    }
    const offset = meta[m + Meta.offset]!;
    const copy = Buffer.allocUnsafe(length);
    data.copy(copy, 0, offset, offset + length);
    const source: Endpoint = { protocol: 'udp', address: this.#sources.of(meta, m), port: meta[m + Meta.port]! };
    try {
      this.#onDatagram?.(copy, source);
    } catch (err) {
      this.#report(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #report(err: Error): void {
    try {
      this.#onError?.(err);
    } catch {
      // An error listener that throws has nowhere left to report to.
    }
  }
}
