/** Defaults of `SipTransport.listen` in one place, and their resolution. */
import { DEFAULT_LIMITS, type ParseLimits } from '../sip/index.ts';
import type { Protocol, SipTransportOptions, TimerScheduler, UdpIo } from './types.ts';

/** Default values of the optional {@link SipTransportOptions}. */
export const TRANSPORT_DEFAULTS = {
  protocols: ['udp', 'tcp'] as readonly Protocol[],
  /** ms; above RFC 5626 §4.4.1's 95–120 s keep-alive interval. */
  idleTimeoutMs: 180_000,
  maxConnections: 1024,
  /** ms. */
  connectTimeoutMs: 5_000,
  /** bytes. */
  maxWriteBufferBytes: 4 * 1024 * 1024,
  /** bytes. */
  udpRecvBufferSize: 4 * 1024 * 1024,
  bindAttempts: 10,
  udpIo: 'dgram' as UdpIo,
} as const;

/** RFC 3261 §18.1.1: a UDP request larger than MTU (1500) minus 200 goes over TCP. */
export const UDP_SIZE_LIMIT = 1300;

/** Options with every default applied. */
export interface ResolvedOptions {
  host: string;
  port: number;
  protocols: readonly Protocol[];
  publicAddress: string | undefined;
  limits: ParseLimits;
  idleTimeoutMs: number;
  maxConnections: number;
  connectTimeoutMs: number;
  maxWriteBufferBytes: number;
  udpRecvBufferSize: number;
  bindAttempts: number;
  udpIo: UdpIo;
  now: () => number;
  timers: TimerScheduler;
}

/** Node's timers, unref'd so that a pending idle check never keeps the process alive. */
export const realTimers: TimerScheduler = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Applies the defaults. */
export function resolveOptions(o: SipTransportOptions): ResolvedOptions {
  const d = TRANSPORT_DEFAULTS;
  return {
    host: o.host,
    port: o.port,
    protocols: o.protocols && o.protocols.length > 0 ? [...new Set(o.protocols)] : d.protocols,
    publicAddress: o.publicAddress,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    maxConnections: o.maxConnections ?? d.maxConnections,
    connectTimeoutMs: o.connectTimeoutMs ?? d.connectTimeoutMs,
    maxWriteBufferBytes: o.maxWriteBufferBytes ?? d.maxWriteBufferBytes,
    udpRecvBufferSize: o.udpRecvBufferSize ?? d.udpRecvBufferSize,
    bindAttempts: o.bindAttempts ?? d.bindAttempts,
    udpIo: o.udpIo ?? d.udpIo,
    now: o.now ?? Date.now,
    timers: o.timers ?? realTimers,
  };
}
