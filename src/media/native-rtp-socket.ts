/**
 * An RTP socket on the native addon (lib/native-udp.ts) with node:dgram's interface as an RTP
 * session uses it (`RtpUdpSocket`):
 * - a send is one send(2) or sendto(2) system call, synchronous; a callback, when given, is
 *   called on the next tick as dgram's would be;
 * - nothing reads the socket as datagrams arrive: the media clock's {@link RtpPoller} reads
 *   every registered socket once per tick (registered while a 'message' listener is on) and
 *   hands each datagram to the listener with its age from the kernel's timestamp, as a region
 *   of the poller's buffer that the next poll overwrites (`MessageListener`'s `start` and
 *   `length`), with one address object per socket that the next datagram changes (the
 *   session reads both at once);
 * - a failed send without a callback is dropped, as dgram drops it, except ECONNREFUSED
 *   (ICMP port unreachable on a connected socket), which becomes an 'error' event as a
 *   dgram socket reports it; errors the kernel queued on the socket come from the poll.
 * A host name as a send target (an SDP `c=` line may carry one) is resolved once through
 * `dns.lookup`; until then its datagrams are dropped, as dgram queues them behind its lookup.
 *
 * With the `NativeRtpIo`'s pacer, a send during the media clock's send phase is queued for the
 * pacer's thread, which sends it at the tick's due time (rtp-pacer.ts); its failure, or its
 * callback, comes a tick or two later, as a failed send's would. Closing then goes through the
 * pacer, which closes the fd once no pending batch names it.
 */
import type { RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, type AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { errnoError, Meta, SourceText, type NativeUdp } from '../lib/native-udp.ts';
import type { PacedSender, RtpPacer } from './rtp-pacer.ts';
import type { RtpPoller } from './rtp-poller.ts';
import type { MessageListener, RtpUdpSocket, SendCallback } from './rtp-udp-socket.ts';
import { isLiteral } from './udp.ts';

/** What native RTP sockets need: the addon, and the poller that reads them on the media clock. */
export interface NativeRtpIo {
  udp: NativeUdp;
  poller: RtpPoller;
  /**
   * The poller of the calls' separate RTCP sockets, when they are native too: one that reads
   * every few ticks (RTCP comes every few seconds, and each datagram's age from the kernel's
   * timestamp keeps its arrival time exact). Without it, RTCP sockets are node:dgram's.
   */
  rtcpPoller?: RtpPoller;
  /** Sends the media clock's send phases at their ticks' due times (rtp-pacer.ts); RTP sockets only. */
  pacer?: RtpPacer;
}

const ECONNREFUSED = -constants.errno.ECONNREFUSED;
const EMSGSIZE = -constants.errno.EMSGSIZE;

/** dgram's error for a connected-socket call on an unconnected one. */
function notConnected(): Error {
  return Object.assign(new Error('Not connected'), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
}

/** See the module comment. */
export class NativeRtpSocket implements RtpUdpSocket, PacedSender {
  readonly port: number;
  /** Index in the poller's socket list while registered (-1: not). */
  pollIndex = -1;
  /** Failed sends that had no callback (dropped). */
  sendErrors = 0;
  #fd: number;
  #onMessage: MessageListener | undefined;
  #onError: ((error: Error) => void) | undefined;
  #remote: AddressInfo | undefined;
  /** Reused for every datagram (see the module comment). */
  readonly #rinfo: RemoteInfo;
  /** The sources' text (the last one's is also in `#rinfo`). */
  readonly #sources: SourceText;
  #resolved: Map<string, string | undefined> | undefined;
  /** The last send target's sockaddr, for the pacer (made again only when the target changes). */
  #toAddress = '';
  #toPort = -1;
  #sockaddrLen = 0;
  readonly #sockaddr = new Uint8Array(28);

  /**
   * @param fd a socket from `udp.open`, owned from now on (closed by {@link close})
   */
  constructor(
    private readonly udp: NativeUdp, fd: number, private readonly ipv6: boolean, private readonly localAddress: string,
    private readonly poller: RtpPoller, private readonly pacer?: RtpPacer,
  ) {
    this.#fd = fd;
    this.#sources = new SourceText(udp);
    const port = udp.localPort(fd);
    if (port < 0) throw errnoError(port, 'getsockname');
    this.port = port;
    this.#rinfo = { address: '', family: ipv6 ? 'IPv6' : 'IPv4', port: 0, size: 0 };
  }

  /**
   * Opens a native RTP socket bound to `address:port`.
   * @throws an errno error (`EADDRINUSE`…) when the socket cannot be opened or bound
   */
  static open(io: NativeRtpIo, address: string, port: number, recvBufferSize: number): NativeRtpSocket {
    const ipv6 = isIP(address) === 6;
    const fd = io.udp.open(ipv6, address, port, recvBufferSize);
    if (fd < 0) throw errnoError(fd, 'bind');
    return new NativeRtpSocket(io.udp, fd, ipv6, address, io.poller, io.pacer);
  }

  /** The file descriptor (-1 once closed). */
  get fd(): number {
    return this.#fd;
  }

  on(event: 'message', listener: MessageListener): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'message' | 'error', listener: MessageListener | ((error: Error) => void)): this {
    if (event === 'message') {
      this.#onMessage = listener as MessageListener;
      if (this.#fd >= 0) this.poller.add(this);
    } else {
      this.#onError = listener as (error: Error) => void;
    }
    return this;
  }

  off(event: 'message', listener: MessageListener): this;
  off(event: 'error', listener: (error: Error) => void): this;
  off(event: 'message' | 'error', listener: MessageListener | ((error: Error) => void)): this {
    if (event === 'message' ? this.#onMessage === listener : this.#onError === listener) this.removeAllListeners(event);
    return this;
  }

  removeAllListeners(event: 'message' | 'error'): this {
    if (event === 'error') {
      this.#onError = undefined;
    } else {
      this.#onMessage = undefined;
      this.poller.remove(this);
    }
    return this;
  }

  send(msg: Buffer, callback?: SendCallback): void;
  send(msg: Buffer, port: number, address: string, callback?: SendCallback): void;
  send(msg: Buffer, offset: number, length: number, callback?: SendCallback): void;
  send(msg: Buffer, offset: number, length: number, port: number, address: string, callback?: SendCallback): void;
  send(msg: Buffer, a?: number | SendCallback, b?: number | string, c?: number | SendCallback, d?: string, e?: SendCallback): void {
    if (typeof a !== 'number') {
      this.#sendConnected(msg, 0, msg.length, a);
    } else if (typeof b === 'string') {
      this.#sendTo(msg, 0, msg.length, a, b, c as SendCallback | undefined);
    } else if (typeof d === 'string') {
      this.#sendTo(msg, a, b as number, c as number, d, e);
    } else {
      this.#sendConnected(msg, a, b as number, c as SendCallback | undefined);
    }
  }

  connect(port: number, address: string): void {
    if (this.#fd < 0) throw Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    if (isIP(address) === 0) throw Object.assign(new Error(`not an IP address: ${address}`), { code: 'EINVAL' });
    const result = this.udp.connect(this.#fd, this.ipv6, address, port);
    if (result < 0) throw errnoError(result, 'connect');
    this.#remote = { address, family: this.ipv6 ? 'IPv6' : 'IPv4', port };
  }

  disconnect(): void {
    if (this.#remote === undefined) throw notConnected();
    this.#remote = undefined;
    if (this.#fd >= 0) this.udp.disconnect(this.#fd);
  }

  remoteAddress(): AddressInfo {
    if (this.#remote === undefined) throw notConnected();
    return { ...this.#remote };
  }

  address(): AddressInfo {
    return { address: this.localAddress, family: this.ipv6 ? 'IPv6' : 'IPv4', port: this.port };
  }

  /** Closes the socket (it leaves the poller first). Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.removeAllListeners('message');
    this.#onError = undefined;
    if (this.pacer === undefined) this.udp.close(this.#fd);
    else this.pacer.close(this.#fd);
    this.#fd = -1;
    this.#remote = undefined;
  }

  /** Nothing to do: the socket never keeps the event loop alive (no libuv handle). */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Discards what arrived while nobody read the socket (a pooled socket between calls); returns how many. */
  drain(): number {
    return this.#fd < 0 ? 0 : Math.max(0, this.udp.drain(this.#fd));
  }

  /**
   * One datagram from the poller: its entry at `m` of `meta`, its payload in `data`;
   * `sinceReadMs` since `recvBatch` returned (added to the datagram's age).
   * @internal for {@link RtpPoller}
   */
  deliver(data: Buffer, meta: Int32Array, m: number, sinceReadMs: number): void {
    const length = meta[m + Meta.length]!;
    if (length < 0) {
      if (length !== EMSGSIZE /* too long: dropped */) this.#error(errnoError(length, 'recvmsg'));
      return;
    }
    const listener = this.#onMessage;
    if (listener === undefined) return;
    const rinfo = this.#rinfo;
    rinfo.address = this.#sources.of(meta, m);
    rinfo.port = meta[m + Meta.port]!;
    rinfo.size = length;
    listener(data, rinfo, meta[m + Meta.ageUs]! / 1000 + sinceReadMs, meta[m + Meta.offset]!, length);
  }

  /** A send the pacer queued failed, or came with a callback (see the module comment). @internal for {@link RtpPacer} */
  pacedResult(result: number, callback: SendCallback | undefined): void {
    if (callback !== undefined || this.#fd >= 0) this.#done(result, callback);
  }

  #sendConnected(msg: Buffer, offset: number, length: number, callback: SendCallback | undefined): void {
    if (this.#fd < 0) return;
    const pacer = this.pacer;
    const remote = this.#remote;
    // With the peer's address, in case the socket is disconnected before the packet leaves.
    if (pacer?.open === true && remote !== undefined &&
      pacer.queue(this, this.#fd, msg, offset, length, this.#sockaddr, this.#sockaddrOf(remote.address, remote.port), true, callback)) return;
    this.#done(this.udp.send(this.#fd, msg, offset, length), callback);
  }

  #sendTo(msg: Buffer, offset: number, length: number, port: number, address: string, callback: SendCallback | undefined): void {
    if (this.#fd < 0) return;
    // The cheap test the dgram sockets' lookup uses (rtp-sockets.ts): this runs per packet unconnected.
    const literal = isLiteral(address) ? address : this.#resolve(address);
    if (literal === undefined) return;
    const pacer = this.pacer;
    if (pacer?.open === true) {
      const len = this.#sockaddrOf(literal, port);
      if (len > 0 && pacer.queue(this, this.#fd, msg, offset, length, this.#sockaddr, len, false, callback)) return;
    }
    this.#done(this.udp.sendTo(this.#fd, this.ipv6, msg, offset, length, literal, port), callback);
  }

  /** `#sockaddr` made for `address:port` (a numeric address) unless it is already; its length (0: not an address). */
  #sockaddrOf(address: string, port: number): number {
    if (address !== this.#toAddress || port !== this.#toPort) {
      const len = this.udp.sockaddr(this.ipv6, address, port, this.#sockaddr, 0);
      this.#toAddress = address;
      this.#toPort = port;
      this.#sockaddrLen = Math.max(0, len);
    }
    return this.#sockaddrLen;
  }

  /** Completes a send as dgram would (see the module comment). */
  #done(result: number, callback: SendCallback | undefined): void {
    if (callback !== undefined) {
      process.nextTick(callback, result < 0 ? errnoError(result, 'send') : null);
    } else if (result < 0) {
      this.sendErrors++;
      if (result === ECONNREFUSED) process.nextTick(() => this.#error(errnoError(result, 'send')));
    }
  }

  #error(error: Error): void {
    this.#onError?.(error);
  }

  /** A host name's address once `dns.lookup` answered; undefined until then (and when it failed). */
  #resolve(name: string): string | undefined {
    const resolved = (this.#resolved ??= new Map());
    if (resolved.has(name)) return resolved.get(name);
    resolved.set(name, undefined);
    lookup(name, { family: this.ipv6 ? 0 : 4 }, (error, address, family) => {
      if (error !== null) {
        this.#error(error);
        return;
      }
      resolved.set(name, this.ipv6 && family === 4 ? `::ffff:${address}` : address);
    });
    return undefined;
  }
}
