/**
 * A pool of bound RTP/RTCP socket pairs reused across calls. Binding and closing two UDP
 * sockets per call costs about 60 µs of CPU here (socket(2), bind(2), setsockopt(2),
 * close(2) and the libuv handles); a pair kept bound between calls costs nothing but two
 * file descriptors.
 *
 * - Ports still come from the configured range ({@link PortSource}): a pooled pair keeps
 *   its port allocated, so live and idle pairs together never leave the range, and the
 *   pool answers `media_ports_exhausted` (503) only when every pair is in a live call.
 * - A released pair rests `quarantineMs` before it serves another call (oldest first), so
 *   RTP still in flight from the previous call's peer lands while nobody listens; a
 *   datagram read while idle is dropped. When no pair has rested long enough a new one is
 *   bound, and only when the range is full is a resting pair taken early.
 * - The next session on a pair is told the previous peer's address ({@link RtpSocketLease.stalePeer}),
 *   so that a straggler from it cannot become the new call's latched peer.
 * - Idle pairs are closed (port released) beyond `maxIdle` and after `maxIdleMs` unused;
 *   `close()` closes them all. Idle sockets are unref'd: they never keep the process alive.
 */
import { MediaError } from './errors.ts';
import { NativeRtpSocket, type NativeRtpIo } from './native-rtp-socket.ts';
import type { PortSource } from './ports.ts';
import { bindRtpSockets, type PeerAddress, type RtpSocketLease } from './rtp-sockets.ts';
import type { RtpUdpSocket } from './rtp-udp-socket.ts';

export type { PeerAddress, RtpSocketLease } from './rtp-sockets.ts';

/** Options of {@link RtpSocketPool}. */
export interface RtpSocketPoolOptions {
  /** Where ports come from (the configured range); they go back when a pair is closed. */
  ports: PortSource;
  /** Local address to bind (IPv4 or IPv6 literal). */
  localAddress: string;
  /** RTP socket receive buffer, bytes (default 1 MiB; the kernel may cap it). */
  recvBufferSize?: number;
  /** Rest of a released pair before it serves another call, ms (default 500). */
  quarantineMs?: number;
  /** Idle pairs kept at most (default 2048); beyond, released pairs are closed. */
  maxIdle?: number;
  /** An idle pair unused this long is closed, ms (default 30000). */
  maxIdleMs?: number;
  /** Ports tried before giving up when binding fails (default 5). */
  bindAttempts?: number;
  /** Monotonic time, ms (default `performance.now`). */
  now?: () => number;
  /** RTP sockets on the native addon, read by the media clock (default: node:dgram). See native-rtp-socket.ts. */
  native?: NativeRtpIo;
}

interface Idle {
  pair: Pair;
  since: number;
  stalePeer: PeerAddress | undefined;
}

interface Pair {
  port: number;
  /** Bound on a port from the range, not one the kernel picked (see `SocketHold.pinnedPort`). */
  pinnedPort: boolean;
  rtcpPort: number;
  rtp: RtpUdpSocket;
  rtcp: RtpUdpSocket;
}

/** How often idle pairs are checked against `maxIdleMs`, ms. */
const SWEEP_MS = 5000;

/** Swallows errors of idle sockets (an 'error' event without a listener would throw). */
const ignoreError = (): void => undefined;

/**
 * An idle socket: no 'message' listener, errors ignored, unref'd. A dgram socket reads and
 * drops what arrives; a native one keeps it until {@link RtpSocketPool.acquire} drains it.
 */
function rest(s: RtpUdpSocket): void {
  s.removeAllListeners('message');
  s.removeAllListeners('error');
  s.on('error', ignoreError);
  s.unref();
}

/**
 * One session's use of a pair. A class, not an object literal with an arrow function:
 * tsx's keepNames would wrap that closure per call (issue #3).
 */
class Lease implements RtpSocketLease {
  readonly port: number;
  readonly rtcpPort: number;
  readonly rtp: RtpUdpSocket;
  readonly rtcp: RtpUdpSocket;
  readonly pinnedPort: boolean;
  #released = false;

  constructor(
    private readonly pair: Pair,
    readonly stalePeer: PeerAddress | undefined,
    private readonly giveBack: (pair: Pair, lastPeer: PeerAddress | undefined) => void,
  ) {
    this.port = pair.port;
    this.rtcpPort = pair.rtcpPort;
    this.rtp = pair.rtp;
    this.rtcp = pair.rtcp;
    this.pinnedPort = pair.pinnedPort;
  }

  release(lastPeer?: PeerAddress): void {
    if (this.#released) return;
    this.#released = true;
    this.giveBack(this.pair, lastPeer);
  }
}

/** See the module comment. */
export class RtpSocketPool {
  readonly #options: RtpSocketPoolOptions;
  readonly #now: () => number;
  readonly #quarantineMs: number;
  readonly #maxIdle: number;
  /** Idle pairs, oldest first (`#head` is the first live entry). */
  #idle: Array<Idle | undefined> = [];
  #head = 0;
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;
  #reused = 0;
  #bound = 0;

  constructor(options: RtpSocketPoolOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#quarantineMs = options.quarantineMs ?? 500;
    this.#maxIdle = options.maxIdle ?? 2048;
  }

  /** Idle pairs. */
  get idle(): number {
    return this.#idle.length - this.#head;
  }

  /** Counters: pairs reused from the pool, and pairs bound. */
  get stats(): { reused: number; bound: number } {
    return { reused: this.#reused, bound: this.#bound };
  }

  /**
   * A pair for one session: the oldest rested idle pair, else a newly bound one, else (the
   * range is full) the oldest idle pair.
   * @throws MediaError `media_ports_exhausted` when every port of the range is in a live call,
   *   `media_bind_failed`
   */
  async acquire(): Promise<RtpSocketLease> {
    const rested = this.tryAcquire();
    if (rested !== undefined) return rested;
    let bound;
    try {
      const o = this.#options;
      bound = await bindRtpSockets(o.ports, o.localAddress, o.recvBufferSize ?? 1 << 20, o.bindAttempts ?? 5, true, o.native);
    } catch (err) {
      const early = (err as { code?: unknown }).code === 'media_ports_exhausted' ? this.#shift() : undefined;
      if (early === undefined) throw err;
      return this.#lend(early);
    }
    this.#bound++;
    const rtcp = bound.rtcp as RtpUdpSocket;
    const pair: Pair = { port: bound.rtp.address().port, pinnedPort: bound.port !== 0, rtcpPort: rtcp.address().port, rtp: bound.rtp, rtcp };
    return this.#lease(pair, undefined);
  }

  /**
   * {@link acquire}'s usual case without a promise: the oldest idle pair when it has rested,
   * else undefined (then `acquire`, which binds one).
   * @throws MediaError `media_session_closed` once the pool is closed
   */
  tryAcquire(): RtpSocketLease | undefined {
    if (this.#closed) throw new MediaError('media_session_closed', 'RTP socket pool closed');
    const first = this.#idle[this.#head];
    return first !== undefined && this.#now() - first.since >= this.#quarantineMs ? this.#lend(this.#shift()) : undefined;
  }

  /** Closes every idle pair and returns their ports; later releases close their pair. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    for (let e = this.#shift(); e !== undefined; e = this.#shift()) this.#destroy(e.pair);
  }

  #lend(entry: Idle | undefined): RtpSocketLease {
    const idle = entry as Idle;
    this.#reused++;
    // What reached a native socket while it rested (dgram's were read and dropped meanwhile).
    if (idle.pair.rtp instanceof NativeRtpSocket) idle.pair.rtp.drain();
    if (idle.pair.rtcp instanceof NativeRtpSocket) idle.pair.rtcp.drain();
    idle.pair.rtp.ref();
    idle.pair.rtcp.ref();
    return this.#lease(idle.pair, idle.stalePeer);
  }

  #lease(pair: Pair, stalePeer: PeerAddress | undefined): RtpSocketLease {
    return new Lease(pair, stalePeer, this.#giveBack);
  }

  /** Takes a released pair back (made once per pool: every lease calls it). */
  readonly #giveBack = (pair: Pair, lastPeer: PeerAddress | undefined): void => {
    if (this.#closed || this.idle >= this.#maxIdle) {
      this.#destroy(pair);
      return;
    }
    // Idle: datagrams are read and dropped (no 'message' listener), errors ignored.
    rest(pair.rtp);
    rest(pair.rtcp);
    this.#idle.push({ pair, since: this.#now(), stalePeer: lastPeer === undefined ? undefined : { ...lastPeer } });
    this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
  };

  #shift(): Idle | undefined {
    const e = this.#idle[this.#head];
    if (e === undefined) return undefined;
    this.#idle[this.#head++] = undefined;
    // Compact now and then so that the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#idle.length) {
      this.#idle = this.#idle.slice(this.#head);
      this.#head = 0;
    }
    return e;
  }

  /** Closes the pairs idle longer than `maxIdleMs`. */
  #expire(): void {
    const limit = this.#now() - (this.#options.maxIdleMs ?? 30_000);
    for (let e = this.#idle[this.#head]; e !== undefined && e.since < limit; e = this.#idle[this.#head]) {
      this.#destroy((this.#shift() as Idle).pair);
    }
    if (this.idle === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #destroy(pair: Pair): void {
    pair.rtp.close();
    pair.rtcp.close();
    this.#options.ports.release(pair.port);
  }
}
