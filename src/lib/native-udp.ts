/**
 * The native UDP addon (native/agentline_udp.c, built by `npm install` through node-gyp into
 * build/Release/): UDP without node:dgram's per-datagram callback, ArrayBuffer, address object
 * and send request (see the C file's comment; issue #4). RTP reads its sockets once per media
 * tick (src/media/rtp-poller.ts, `rtp.io`); the SIP transport watches its socket and reads it as
 * datagrams arrive (src/transport/native-udp-endpoint.ts, `sip.io`). Loaded once, if it was
 * built: without it both run on node:dgram as before (`auto`).
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

/** The addon's functions. Every one returns a negative errno on failure; see native/agentline_udp.c. */
export interface NativeUdp {
  /** A bound, non-blocking UDP socket with kernel receive timestamps: its fd, or -errno. */
  open(ipv6: boolean, address: string, port: number, recvBufferSize: number): number;
  localPort(fd: number): number;
  connect(fd: number, ipv6: boolean, address: string, port: number): number;
  disconnect(fd: number): number;
  send(fd: number, data: Uint8Array, offset: number, length: number): number;
  sendTo(fd: number, ipv6: boolean, data: Uint8Array, offset: number, length: number, address: string, port: number): number;
  close(fd: number): number;
  /**
   * Reads what waits on the first `count` sockets of `fds` (negative entries skipped) into
   * `data`, one entry of {@link META_STRIDE} int32s per datagram in `meta` (see {@link Meta}).
   * @returns the entries written
   */
  recvBatch(fds: Int32Array, count: number, data: Uint8Array, meta: Int32Array): number;
  /**
   * Reads what waits on one socket, one recvmmsg(2): datagram k into `data` at k × `slot`, as
   * many as `data` has slots, `meta` has entries and 64 at most; meta entries as `recvBatch`'s
   * (index 0), except that an IPv4-mapped source (an IPv4 peer of a dual-stack socket) comes as
   * IPv4 (family 4). An error the socket reported is one entry with length -errno.
   * @param slot bytes per datagram; a longer one has length -EMSGSIZE
   * @returns the entries written (0: nothing waits), or -errno for a bad fd, region or slot
   */
  recvLarge(fd: number, data: Uint8Array, meta: Int32Array, slot: number): number;
  /** Discards what waits on a socket; returns how many datagrams. */
  drain(fd: number): number;
  /**
   * Calls `callback()` whenever `fd` is readable (level-triggered: again on the next loop
   * iteration while anything waits) until {@link NativeUdp.unwatch}, as a libuv callback
   * (process.nextTick and microtasks run after it; what it throws goes to 'uncaughtException').
   * Keeps the event loop alive meanwhile, as a bound dgram socket does.
   * @returns the watch's id, or -errno (-EEXIST: the loop already watches `fd`)
   */
  watch(fd: number, callback: () => void): number;
  /** Stops a watch and releases its callback; the fd may be closed as soon as it returns. 0, or -ENOENT for an unknown id. */
  unwatch(id: number): number;
  /** Writes the sockaddr of a numeric address (28 bytes free at `offset`); its length, or -errno. */
  sockaddr(ipv6: boolean, address: string, port: number, out: Uint8Array, offset: number): number;
  /**
   * Starts a pacer thread over `buffer` (native/pacer.c; src/media/rtp-pacer.ts lays it out):
   * its handle, or -errno. `priority` > 0 asks for SCHED_FIFO at that priority.
   */
  pacerCreate(buffer: Uint8Array, priority: number): unknown;
  /** Commits a batch (byte offsets of its header and entries) due at `dueMs` on CLOCK_MONOTONIC: its number, or -errno. */
  pacerCommit(pacer: unknown, header: number, entries: number, count: number, dueMs: number): number;
  /** The number of the last batch sent (0: none). */
  pacerDone(pacer: unknown): number;
  /** Closes `fd` now, or after the last batch pending. */
  pacerClose(pacer: unknown, fd: number): number;
  /** Sends a batch from the calling thread at once. */
  pacerSendNow(pacer: unknown, header: number, entries: number, count: number): number;
  /** Stops and joins the thread; what it had not sent is dropped. */
  pacerStop(pacer: unknown): number;
  /** 0: realtime as asked; 1: not asked; -errno: refused. */
  pacerRealtime(pacer: unknown): number;
  /** CLOCK_MONOTONIC, ms. */
  monotonicMs(): number;
  /** Int32 slots of a pacer entry. */
  readonly PACER_ENTRY_I32: number;
  /** Text of an address from a meta entry's family and four address words. */
  formatAddress(family: number, a0: number, a1: number, a2: number, a3: number, scope?: number): string;
  readonly META_STRIDE: number;
}

/** Int32 slots per datagram in the meta arrays of `recvBatch` and `recvLarge`. */
export const META_STRIDE = 12;

/** Slots of a meta entry. */
export const Meta = {
  /** Index of the socket in `fds` (`recvLarge`: 0). */
  index: 0,
  /** Where the payload starts in `data`. */
  offset: 1,
  /** Payload bytes, or -errno (an error the socket reported, e.g. ECONNREFUSED; -EMSGSIZE: too long, dropped). */
  length: 2,
  port: 3,
  /** 4 or 6. */
  family: 4,
  /** Microseconds since the kernel received it, when `recvBatch` (`recvLarge`) returned. */
  ageUs: 5,
  /** First of four words of the source address (network order; one for IPv4). */
  address: 6,
  /** An IPv6 source's scope id (its interface: a link-local peer's `%eth0`); 0 for none. */
  scope: 10,
} as const;

/**
 * The text of datagrams' source addresses from their meta entries, made again only when a
 * source differs from the one before (a call's RTP, a trunk's SIP: one source after another).
 */
export class SourceText {
  #family = 0;
  /** The last source's four address words and its scope id. */
  readonly #key = new Int32Array(5);
  #text = '';

  /** @param normalize applied to each new text (the transport writes IPv4-mapped as IPv4) */
  constructor(private readonly udp: NativeUdp, private readonly normalize: (text: string) => string = (text) => text) {}

  /** The source of the datagram whose meta entry starts at `m`. */
  of(meta: Int32Array, m: number): string {
    const family = meta[m + Meta.family]!;
    const a = m + Meta.address;
    const scope = meta[m + Meta.scope]!;
    const k = this.#key;
    if (family === this.#family && meta[a] === k[0] && meta[a + 1] === k[1] && meta[a + 2] === k[2] && meta[a + 3] === k[3] && scope === k[4]) {
      return this.#text;
    }
    this.#family = family;
    for (let i = 0; i < 4; i++) k[i] = meta[a + i]!;
    k[4] = scope;
    this.#text = this.normalize(this.udp.formatAddress(family, k[0]!, k[1]!, k[2]!, k[3]!, scope));
    return this.#text;
  }
}

/** Where node-gyp puts the addon, from this file (src/lib/). */
const ADDON_PATH = '../../build/Release/agentline_udp.node';

let loaded: { udp: NativeUdp | undefined; reason: string } | undefined;

/**
 * The addon, or undefined with the reason it is not there (not built: `npm install` builds it;
 * `npm run build:native` again after a Node upgrade).
 */
export function loadNativeUdp(): { udp: NativeUdp | undefined; reason: string } {
  if (loaded !== undefined) return loaded;
  try {
    const udp = createRequire(import.meta.url)(ADDON_PATH) as NativeUdp;
    if (udp.META_STRIDE !== META_STRIDE) throw new Error(`META_STRIDE ${udp.META_STRIDE}, expected ${META_STRIDE}: rebuild it`);
    loaded = { udp, reason: '' };
  } catch (error) {
    loaded = { udp: undefined, reason: `native UDP addon not loaded (${(error as Error).message.split('\n')[0]}); run npm run build:native` };
  }
  return loaded;
}

/** The error Node would give for `-result` (code `ECONNREFUSED`…, errno negative as in Node). */
export function errnoError(result: number, syscall: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(result);
  } catch {
    code = `E${-result}`;
  }
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno: result, syscall });
}
