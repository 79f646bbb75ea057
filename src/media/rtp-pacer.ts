/**
 * The RTP pacer's JavaScript side (native/pacer.c): the media clock dispatches each tick
 * `leadMs` ahead of its due time, its send phase queues the tick's packets here instead of
 * sending them, and a native thread sends them at the due time. A garbage collection, a busy
 * event loop or a late timer on the JavaScript thread then moves no packet, as long as the tick
 * was handed over before it was due (issue #4: outbound spacing within ±2 ms).
 *
 * One buffer is shared with the thread, cut into `regions`: a batch is one tick's packets in
 * one region (a header, then one entry per packet, then the payloads, copied in). A region is
 * written only while free: from {@link RtpPacer.begin} to {@link RtpPacer.commit}, and again
 * once the thread has sent it. When no region is free (the thread is behind by that many
 * ticks) or a batch is full, packets go out at once, as without a pacer (and may overtake
 * their stream's packet still queued: the gateway sizes batches for every call its port range
 * can hold).
 *
 * A socket that a committed batch names is closed through {@link RtpPacer.close}, which
 * closes it once no batch pending names it (its fd number must not be reused under the
 * thread). Send results come back when the region is reused, a tick or two later, to the
 * socket that queued the packet ({@link PacedSender.pacedResult}): its failures, and every
 * result of a send that came with a callback. A send with a callback is queued like the others,
 * so that a stream's packets leave in order (an RTP link sends the first packet to each new
 * target with one: sent at once, it overtook the stream's packets still queued).
 */
import { channel } from 'node:diagnostics_channel';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { errnoError, type NativeUdp } from '../lib/native-udp.ts';
import type { TickPacer } from './clock-types.ts';
import type { SendCallback } from './rtp-udp-socket.ts';

/** Who queued a packet: told its send's result if it failed, or if it came with a callback. */
export interface PacedSender {
  /**
   * A queued packet's send ended: `result` is -errno, or the bytes sent (only when the send came
   * with `callback`, which is the one it was queued with).
   */
  pacedResult(result: number, callback: SendCallback | undefined): void;
}

/** Options of {@link RtpPacer}. */
export interface RtpPacerOptions {
  /** How far ahead of its due time the clock dispatches a tick, ms (default 20). */
  leadMs?: number;
  /** Packets one batch holds; more in one tick go out at once (default 2048). */
  maxPackets?: number;
  /** Payload bytes one batch holds (default 512 a packet). */
  payloadBytes?: number;
  /** Batches in flight at once (default 4). */
  regions?: number;
  /** SCHED_FIFO priority of the thread, 1-99, when the process may (CAP_SYS_NICE); 0 (default): normal. */
  priority?: number;
  /** The media clock's time base, ms (default `performance.now()`). */
  now?: () => number;
}

/** Counters of {@link RtpPacer}. */
export interface RtpPacerStats {
  /** Batches committed to the thread. */
  batches: number;
  /** Packets queued in batches. */
  packets: number;
  /** Ticks that found no free region (their packets went out at once). */
  overruns: number;
  /** Packets that did not fit their batch (sent at once). */
  overflows: number;
  /** Queued packets whose send failed. */
  errors: number;
  /** Largest delay of a batch's first send past its due time, ms (the thread's wake-up). */
  maxLateMs: number;
}

/** Published on {@link PACER_CHANNEL} for each batch sent, when someone subscribes (benchmarks). */
export interface PacedBatchTiming {
  /** When the batch was due, and when the thread's send pass started and ended, on the clock's time base (ms). */
  dueMs: number;
  startMs: number;
  endMs: number;
  /** When the clock committed it. */
  committedMs: number;
  packets: number;
}

/** `node:diagnostics_channel` name of {@link PacedBatchTiming}s. */
export const PACER_CHANNEL = 'agentline:media-pacer:batch';
const batchChannel = channel(PACER_CHANNEL);

const HEADER_BYTES = 16;
const E_FD = 0;
const E_OFFSET = 1;
const E_LENGTH = 2;
const E_ADDRLEN = 3;
const E_ADDR_BYTE = 16;
/** Room for a sockaddr in an entry (sockaddr_in6). */
const ADDR_BYTES = 28;
const E_RESULT = 11;
const ECANCELED = -constants.errno.ECANCELED;
/** In an entry's address length: sent with send(2) on the connected socket, to the address if it was disconnected since. */
const ADDR_CONNECTED = 0x100;

/** One region: its layout in the buffer and the batch in it. */
interface Region {
  readonly header: number;
  readonly entries: number;
  readonly payload: number;
  readonly payloadEnd: number;
  /** The batch's number while the thread has it (0: free). */
  seq: number;
  count: number;
  dueMs: number;
  committedMs: number;
  readonly senders: (PacedSender | undefined)[];
  /** The sends' callbacks, where they came with one; `callbacks` of them. */
  readonly callbackOf: (SendCallback | undefined)[];
  callbacks: number;
}

/** See the module comment. */
export class RtpPacer implements TickPacer {
  readonly leadMs: number;
  /** The thread runs at a realtime priority (as asked, and allowed). */
  readonly realtime: boolean;
  readonly #udp: NativeUdp;
  readonly #handle: unknown;
  readonly #bytes: Uint8Array;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #regions: Region[];
  readonly #maxPackets: number;
  readonly #stride: number;
  readonly #now: () => number;
  /** CLOCK_MONOTONIC minus the clock's time base, ms. */
  readonly #offsetMs: number;
  #next = 0;
  /** The region being filled (a batch is open), or undefined. */
  #open: Region | undefined;
  #pos = 0;
  #stopped = false;
  /** Sockets to close once the open batch is committed. */
  #closeAfter: number[] = [];
  readonly #stats: RtpPacerStats = { batches: 0, packets: 0, overruns: 0, overflows: 0, errors: 0, maxLateMs: 0 };

  /** @throws an errno error when the thread cannot start */
  constructor(udp: NativeUdp, options: RtpPacerOptions = {}) {
    this.#udp = udp;
    this.#now = options.now ?? (() => performance.now());
    this.leadMs = options.leadMs ?? 20;
    this.#maxPackets = options.maxPackets ?? 2048;
    this.#stride = udp.PACER_ENTRY_I32;
    const payloadBytes = options.payloadBytes ?? this.#maxPackets * 512;
    const count = options.regions ?? 4;
    const entryBytes = this.#stride * 4 * this.#maxPackets;
    // Regions 8-aligned: the header's doubles.
    const regionBytes = Math.ceil((HEADER_BYTES + entryBytes + payloadBytes) / 8) * 8;
    const buffer = new ArrayBuffer(regionBytes * count);
    this.#bytes = new Uint8Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#regions = [];
    for (let r = 0; r < count; r++) {
      const header = r * regionBytes;
      this.#regions.push({
        header, entries: header + HEADER_BYTES, payload: header + HEADER_BYTES + entryBytes,
        payloadEnd: header + regionBytes, seq: 0, count: 0, dueMs: 0, committedMs: 0,
        senders: new Array<PacedSender | undefined>(this.#maxPackets).fill(undefined),
        callbackOf: new Array<SendCallback | undefined>(this.#maxPackets).fill(undefined), callbacks: 0,
      });
    }
    const handle = udp.pacerCreate(this.#bytes, options.priority ?? 0);
    if (typeof handle === 'number') throw errnoError(handle, 'pthread_create');
    this.#handle = handle;
    this.realtime = udp.pacerRealtime(handle) === 0;
    this.#offsetMs = this.#calibrate();
  }

  /** True between {@link begin} and {@link commit} when a region was free: sends go to {@link queue}. */
  get open(): boolean {
    return this.#open !== undefined;
  }

  get stats(): RtpPacerStats {
    return { ...this.#stats };
  }

  /** Opens the batch of a tick due at `dueMs` (the clock's time base). */
  begin(dueMs: number): void {
    if (this.#open !== undefined) this.commit();
    if (this.#stopped) return;
    this.#reclaim();
    const region = this.#regions[this.#next]!;
    if (region.seq !== 0) {
      this.#stats.overruns++;
      return;
    }
    region.count = 0;
    region.callbacks = 0;
    region.dueMs = dueMs;
    this.#pos = region.payload;
    this.#open = region;
  }

  /**
   * Queues a packet of the open batch; false when it does not fit (the caller sends it).
   * @param addr the peer's sockaddr (`NativeUdp.sockaddr`)
   * @param connected the socket is connected to `addr`: the thread sends with send(2), and to
   *   `addr` if the socket was disconnected in between (the packet still goes where it would have)
   * @param callback handed back with the result, through `sender.pacedResult`
   */
  queue(
    sender: PacedSender, fd: number, data: Uint8Array, offset: number, length: number, addr: Uint8Array | undefined, addrLen: number,
    connected = false, callback?: SendCallback,
  ): boolean {
    const region = this.#open;
    if (region === undefined) return false;
    const i = region.count;
    if (addrLen > ADDR_BYTES) return false;
    if (i === this.#maxPackets || this.#pos + length > region.payloadEnd) {
      this.#stats.overflows++;
      return false;
    }
    const bytes = this.#bytes;
    bytes.set(offset === 0 && length === data.length ? data : data.subarray(offset, offset + length), this.#pos);
    const e = (region.entries >> 2) + i * this.#stride;
    const i32 = this.#i32;
    i32[e + E_FD] = fd;
    i32[e + E_OFFSET] = this.#pos;
    i32[e + E_LENGTH] = length;
    i32[e + E_ADDRLEN] = addr === undefined ? 0 : connected ? addrLen | ADDR_CONNECTED : addrLen;
    // The whole array when it fits the entry (no view made per packet); the thread reads addrLen bytes.
    if (addr !== undefined) bytes.set(addr.length <= ADDR_BYTES ? addr : addr.subarray(0, addrLen), (e << 2) + E_ADDR_BYTE);
    region.senders[i] = sender;
    if (callback !== undefined) {
      region.callbackOf[i] = callback;
      region.callbacks++;
    }
    region.count = i + 1;
    // 4-aligned, as the next header may need no more.
    this.#pos += (length + 3) & ~3;
    return true;
  }

  /** Hands the open batch to the thread (nothing when empty). */
  commit(): void {
    const region = this.#open;
    if (region === undefined) return;
    this.#open = undefined;
    if (region.count > 0) {
      region.committedMs = this.#now();
      const seq = this.#udp.pacerCommit(this.#handle, region.header, region.entries, region.count, region.dueMs + this.#offsetMs);
      if (seq > 0) {
        region.seq = seq;
        this.#next = (this.#next + 1) % this.#regions.length;
        this.#stats.batches++;
        this.#stats.packets += region.count;
      } else {
        // Stopped (or refused): the packets go out now, as without a pacer.
        this.#sendNow(region);
      }
    }
    const closes = this.#closeAfter;
    if (closes.length > 0) {
      for (const fd of closes) this.#udp.pacerClose(this.#handle, fd);
      closes.length = 0;
    }
  }

  /** Closes a socket once no pending batch names it (see the module comment). */
  close(fd: number): void {
    if (this.#open !== undefined && this.#open.count > 0) this.#closeAfter.push(fd);
    else this.#udp.pacerClose(this.#handle, fd);
  }

  /**
   * Stops the thread (what it had not sent is dropped: the callbacks of those sends are told
   * ECANCELED); later ticks send at once. Idempotent.
   */
  stop(): void {
    if (this.#stopped) return;
    this.commit();
    this.#stopped = true;
    this.#udp.pacerStop(this.#handle);
    this.#reclaim();
    for (const region of this.#regions) {
      if (region.seq === 0) continue;
      region.seq = 0;
      for (let i = 0; i < region.count && region.callbacks > 0; i++) {
        const callback = region.callbackOf[i];
        if (callback !== undefined) region.senders[i]?.pacedResult(ECANCELED, callback);
      }
      region.senders.fill(undefined);
      region.callbackOf.fill(undefined);
    }
  }

  /** Takes back the regions the thread has sent, and reports their failed sends. */
  #reclaim(): void {
    const done = this.#udp.pacerDone(this.#handle);
    for (const region of this.#regions) {
      if (region.seq === 0 || region.seq > done) continue;
      region.seq = 0;
      const startMs = this.#f64[region.header >> 3]! - this.#offsetMs;
      const late = startMs - region.dueMs;
      if (late > this.#stats.maxLateMs) this.#stats.maxLateMs = late;
      if (batchChannel.hasSubscribers) {
        const timing: PacedBatchTiming = {
          dueMs: region.dueMs, startMs, endMs: this.#f64[(region.header >> 3) + 1]! - this.#offsetMs,
          committedMs: region.committedMs, packets: region.count,
        };
        batchChannel.publish(timing);
      }
      this.#results(region);
    }
  }

  /** Reports a sent batch's failed sends, and the results of those with callbacks, to their senders; lets go of them. */
  #results(region: Region): void {
    const { senders, callbackOf } = region;
    for (let i = 0, e = (region.entries >> 2) + E_RESULT; i < region.count; i++, e += this.#stride) {
      const result = this.#i32[e]!;
      if (result < 0) this.#stats.errors++;
      const callback = region.callbacks > 0 ? callbackOf[i] : undefined;
      if (result < 0 || callback !== undefined) senders[i]?.pacedResult(result, callback);
    }
    senders.fill(undefined, 0, region.count);
    if (region.callbacks > 0) callbackOf.fill(undefined, 0, region.count);
  }

  /** Sends a batch the thread would not take, from this thread. */
  #sendNow(region: Region): void {
    this.#udp.pacerSendNow(this.#handle, region.header, region.entries, region.count);
    this.#results(region);
  }

  /** CLOCK_MONOTONIC minus `now()`: the reading bracketed most tightly of a few. */
  #calibrate(): number {
    let best = Infinity;
    let offset = 0;
    for (let k = 0; k < 5; k++) {
      const before = this.#now();
      const mono = this.#udp.monotonicMs();
      const after = this.#now();
      if (after - before < best) {
        best = after - before;
        offset = mono - (before + after) / 2;
      }
    }
    return offset;
  }
}
