/**
 * Reads every native RTP socket once per media clock tick (issue #4): one `recvBatch` call
 * (lib/native-udp.ts) for all of them, in the tick's `work` phase, before the sessions' own work
 * listeners that joined the clock after it (the poller joins when its first socket
 * registers, before that socket's session joins). A packet that arrived during the last
 * period is thus heard in this tick, as with node:dgram where its callback ran before the tick, and
 * its arrival time is the kernel's, not the time a callback got to run. node:dgram costs
 * about three times the CPU per received datagram (its libuv callback, an ArrayBuffer and an
 * address object each); here the cost is one recvmmsg(2) per socket per tick.
 *
 * Sockets registered or removed while a poll dispatches take effect for the next poll: a
 * removed socket's slot is emptied at once (no datagram reaches it after its session closed)
 * and the list is compacted after the dispatch.
 */
import { performance } from 'node:perf_hooks';
import type { MediaClock } from './clock.ts';
import { META_STRIDE, Meta, type NativeUdp } from '../lib/native-udp.ts';
import type { NativeRtpSocket } from './native-rtp-socket.ts';

/** Payload bytes read per `recvBatch` call (about 6,000 G.711 packets of 20 ms). */
const DATA_BYTES = 1 << 20;
/** Datagrams per `recvBatch` call. */
const MAX_ENTRIES = 8192;
/** `recvBatch` calls per poll at most when each comes back full (the rest waits a tick). */
const MAX_ROUNDS = 4;
/** Room `recvBatch` needs for one more datagram (native/agentline_udp.c: MAX_DATAGRAM). */
const MAX_DATAGRAM = 2048;
/** Datagrams handed out between two reads of the clock (see `#dispatch`). */
const CLOCK_EVERY = 16;

/** Counters of {@link RtpPoller}. */
export interface RtpPollerStats {
  polls: number;
  datagrams: number;
  /** Polls that stopped with datagrams left for the next tick (every round came back full). */
  overflows: number;
}

/** See the module comment. */
export class RtpPoller {
  #fds = new Int32Array(64);
  #sockets: Array<NativeRtpSocket | undefined> = [];
  /** Slots in use, holes included (see `remove`). */
  #count = 0;
  /** Registered sockets. */
  #live = 0;
  readonly #data = Buffer.allocUnsafeSlow(DATA_BYTES);
  readonly #meta = new Int32Array(MAX_ENTRIES * META_STRIDE);
  #dispatching = false;
  #holes = false;
  #joined = false;
  /** The tick of the last poll on the clock. */
  #polledAt = Number.NEGATIVE_INFINITY;
  readonly #onTick: (tick: number) => void;
  readonly #stats: RtpPollerStats = { polls: 0, datagrams: 0, overflows: 0 };

  /**
   * @param everyTicks reads on one tick in this many (default 1: every tick), for sockets
   *   whose datagrams may wait (RTCP): a socket costs one recvmmsg(2) per poll, read or not
   */
  constructor(
    private readonly clock: MediaClock, private readonly udp: NativeUdp, private readonly everyTicks = 1,
  ) {
    this.#onTick = (tick: number) => {
      // Ticks the clock skipped (a slow loop) count too.
      if (tick - this.#polledAt < this.everyTicks) return;
      this.#polledAt = tick;
      this.poll();
    };
  }

  /** Registered sockets. */
  get size(): number {
    return this.#live;
  }

  get stats(): RtpPollerStats {
    return { ...this.#stats };
  }

  /** Reads `socket` from the next tick on. Idempotent. */
  add(socket: NativeRtpSocket): void {
    if (socket.pollIndex >= 0) return;
    if (this.#count === this.#fds.length) {
      const grown = new Int32Array(this.#fds.length * 2);
      grown.set(this.#fds);
      this.#fds = grown;
    }
    this.#live++;
    socket.pollIndex = this.#count;
    this.#fds[this.#count] = socket.fd;
    this.#sockets[this.#count++] = socket;
    if (!this.#joined) {
      this.#joined = true;
      this.clock.add(this.#onTick, 'work');
    }
  }

  /** Stops reading `socket`. Idempotent. */
  remove(socket: NativeRtpSocket): void {
    const i = socket.pollIndex;
    if (i < 0 || this.#sockets[i] !== socket) return;
    socket.pollIndex = -1;
    this.#live--;
    if (this.#dispatching) {
      this.#sockets[i] = undefined;
      this.#fds[i] = -1;
      this.#holes = true;
      return;
    }
    this.#removeAt(i);
  }

  /** Reads every registered socket and hands each datagram to its socket. */
  poll(): void {
    this.#stats.polls++;
    this.#dispatching = true;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const n = this.udp.recvBatch(this.#fds, this.#count, this.#data, this.#meta);
        if (n <= 0) break;
        this.#stats.datagrams += n;
        this.#dispatch(n);
        if (!this.#full(n)) break;
        if (round === MAX_ROUNDS - 1) this.#stats.overflows++;
      }
    } finally {
      this.#dispatching = false;
      if (this.#holes) this.#compact();
    }
  }

  /**
   * Hands out `n` datagrams; each one's age counts the time spent on those before it, read
   * every {@link CLOCK_EVERY} datagrams (a handful of microseconds each: the age is off by
   * well under a millisecond, at a sixteenth of the clock reads).
   */
  #dispatch(n: number): void {
    const meta = this.#meta;
    const sockets = this.#sockets;
    const read = performance.now();
    let since = 0;
    for (let k = 0, m = 0; k < n; k++, m += META_STRIDE) {
      if (k % CLOCK_EVERY === CLOCK_EVERY - 1) since = performance.now() - read;
      // A listener may close another call's socket meanwhile: its slot is empty then.
      sockets[meta[m + Meta.index]!]?.deliver(this.#data, meta, m, since);
    }
  }

  /** True when the batch stopped for want of room rather than of datagrams. */
  #full(n: number): boolean {
    if (n >= MAX_ENTRIES) return true;
    const last = (n - 1) * META_STRIDE;
    const end = this.#meta[last + Meta.offset]! + Math.max(0, this.#meta[last + Meta.length]!);
    return DATA_BYTES - end < MAX_DATAGRAM;
  }

  #removeAt(i: number): void {
    const last = --this.#count;
    if (i !== last) {
      const moved = this.#sockets[last]!;
      this.#sockets[i] = moved;
      this.#fds[i] = this.#fds[last]!;
      moved.pollIndex = i;
    }
    this.#sockets[last] = undefined;
    this.#fds[last] = -1;
    this.#leaveWhenEmpty();
  }

  #compact(): void {
    this.#holes = false;
    let w = 0;
    for (let r = 0; r < this.#count; r++) {
      const s = this.#sockets[r];
      if (s === undefined) continue;
      this.#sockets[w] = s;
      this.#fds[w] = this.#fds[r]!;
      s.pollIndex = w++;
    }
    for (let r = w; r < this.#count; r++) {
      this.#sockets[r] = undefined;
      this.#fds[r] = -1;
    }
    this.#count = w;
    this.#leaveWhenEmpty();
  }

  /** Off the clock with no socket to read: an idle clock stops. */
  #leaveWhenEmpty(): void {
    if (this.#count > 0 || !this.#joined) return;
    this.#joined = false;
    this.clock.remove(this.#onTick, 'work');
  }
}
