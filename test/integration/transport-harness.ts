/**
 * Shared set-up of the transport integration tests: a transport whose inbound messages
 * and drops land in queues, and a manual clock + timer scheduler that tests advance.
 */
import { SipTransport, type DropEvent, type Inbound, type SipTransportOptions, type TimerScheduler, type UdpIo } from '../../src/transport/index.ts';
import { AsyncQueue } from '../support/sip-sockets.ts';

/**
 * The UDP socket implementations every UDP test runs on: node:dgram and the native addon
 * (npm install builds it: a missing build fails the native runs, with the reason).
 */
export const UDP_IOS: readonly UdpIo[] = ['dgram', 'native'];

/** A transport with its deliveries and drops queued. */
export interface Harness {
  transport: SipTransport;
  inbound: AsyncQueue<Inbound>;
  drops: AsyncQueue<DropEvent>;
  errors: unknown[];
}

/** Listens on `host`, port 0, and collects what the transport reports. */
export async function startTransport(host: string, options: Partial<SipTransportOptions> = {}): Promise<Harness> {
  const transport = await SipTransport.listen({ host, port: 0, ...options });
  const inbound = new AsyncQueue<Inbound>();
  const drops = new AsyncQueue<DropEvent>();
  const errors: unknown[] = [];
  transport.onMessage((i) => inbound.push(i));
  transport.onDrop((d) => drops.push(d));
  transport.onError((err) => errors.push(err));
  return { transport, inbound, drops, errors };
}

/** A clock and timer scheduler that only move when `advance` is called. */
export class ManualTime implements TimerScheduler {
  private current = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  /** The clock, ms since epoch. */
  readonly now = (): number => this.current;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, firing due timers in time order (new ones included). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = target;
  }
}

/** Polls `cond` on the event loop until it holds; rejects after the guard timeout. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
