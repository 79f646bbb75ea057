/**
 * The native UDP addon (native/agentline_udp.c, built by `npm install` through node-gyp into
 * build/Release/): RTP's datagrams without node:dgram's per-datagram callback, ArrayBuffer,
 * address object and send request (see the C file's comment; issue #4). Loaded once, if it
 * was built: without it RTP runs on node:dgram as before (`rtp.io: auto`).
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
  /** Discards what waits on a socket; returns how many datagrams. */
  drain(fd: number): number;
  /** Text of an address from a meta entry's family and four address words. */
  formatAddress(family: number, a0: number, a1: number, a2: number, a3: number): string;
  readonly META_STRIDE: number;
}

/** Int32 slots per datagram in `recvBatch`'s meta array. */
export const META_STRIDE = 12;

/** Slots of a meta entry. */
export const Meta = {
  /** Index of the socket in `fds`. */
  index: 0,
  /** Where the payload starts in `data`. */
  offset: 1,
  /** Payload bytes, or -errno (an error the socket reported, e.g. ECONNREFUSED; -EMSGSIZE: too long, dropped). */
  length: 2,
  port: 3,
  /** 4 or 6. */
  family: 4,
  /** Microseconds since the kernel received it, when `recvBatch` returned. */
  ageUs: 5,
  /** First of four words of the source address (network order; one for IPv4). */
  address: 6,
} as const;

/** Where node-gyp puts the addon, from this file (src/media/). */
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
