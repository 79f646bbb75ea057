/**
 * The contact-center emulator: one SIP user agent (a Five9-like trunk) on its own
 * transport, one media clock and one RTP port source, shared by every call it places.
 * `close()` is idempotent and cascades: calls in progress are aborted (CANCEL or BYE)
 * and awaited, then the user agent and the transport close.
 */
import { UserAgent } from '../dialog/index.ts';
import { PortAllocator, TimerMediaClock, ephemeralPorts, type MediaClock, type PortSource } from '../media/index.ts';
import { SipTransport, type Protocol } from '../transport/index.ts';
import { runCall, type CallContext } from './call.ts';
import { CcsimError } from './errors.ts';
import type { CallOptions, CallReport, GatewayTarget } from './types.ts';

/** Options of {@link ContactCenter.start}. */
export interface ContactCenterOptions {
  /** The gateway to call. */
  gateway: GatewayTarget;
  /** Address for our SIP and RTP sockets (and in Via, Contact, SDP). Default `127.0.0.1`. */
  localAddress?: string;
  /** Our SIP port. Default 0 (any free port). */
  sipPort?: number;
  /**
   * RTP port range (even ports, RTCP on the odd one). Default: any free port, one socket
   * per call with `a=rtcp-mux` offered (RFC 5761).
   */
  rtpPorts?: { min: number; max: number };
  /** Media clock. Default: a `TimerMediaClock` of our own. */
  clock?: MediaClock;
  /** `User-Agent` header. Default `Agentline-ccsim`. */
  userAgent?: string;
}

/** A Five9-like contact center that places calls to the gateway. */
export class ContactCenter {
  private readonly calls = new Set<Promise<unknown>>();
  private readonly stopAll = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly transport: SipTransport,
    private readonly ua: UserAgent,
    private readonly ctx: CallContext,
  ) {}

  /**
   * Opens the SIP transport and the user agent.
   * @throws CcsimError `ccsim_setup_failed` when the SIP socket cannot be bound
   */
  static async start(options: ContactCenterOptions): Promise<ContactCenter> {
    const localAddress = options.localAddress ?? '127.0.0.1';
    const protocol: Protocol = options.gateway.protocol ?? 'udp';
    let transport: SipTransport;
    try {
      transport = await SipTransport.listen({ host: localAddress, port: options.sipPort ?? 0, protocols: [protocol] });
    } catch (err) {
      throw new CcsimError('ccsim_setup_failed', `cannot open the emulator's SIP socket [address:${localAddress}]`, { cause: err });
    }
    const ua = new UserAgent({ transport, userAgent: options.userAgent ?? 'Agentline-ccsim' });
    const ports: PortSource = options.rtpPorts === undefined ? ephemeralPorts : new PortAllocator(options.rtpPorts.min, options.rtpPorts.max);
    const ctx: CallContext = {
      ua, localAddress, ports, rtcpMux: options.rtpPorts === undefined,
      clock: options.clock ?? new TimerMediaClock(),
      gateway: { host: options.gateway.host, port: options.gateway.port, protocol },
    };
    return new ContactCenter(transport, ua, ctx);
  }

  /** Our SIP port. */
  get sipPort(): number {
    return this.transport.port;
  }

  /** Calls in progress. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Places one call and runs it to the routing decision.
   * @param signal aborts the call: CANCEL before the answer, BYE after
   * @throws CcsimError `ccsim_closed` after `close()`; else as `runCall` (before any INVITE)
   */
  async call(options: CallOptions, signal?: AbortSignal): Promise<CallReport> {
    if (this.closing !== undefined) throw new CcsimError('ccsim_closed', 'the emulator is closed');
    const abort = signal === undefined ? this.stopAll.signal : AbortSignal.any([signal, this.stopAll.signal]);
    const running = runCall(this.ctx, options, abort);
    const tracked = running.catch(() => undefined);
    this.calls.add(tracked);
    void tracked.finally(() => this.calls.delete(tracked));
    return running;
  }

  /** Aborts calls in progress, waits for them, closes the SIP stack. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopAll.abort();
      await Promise.all([...this.calls]);
      this.ua.close();
      await this.transport.close();
    })());
  }
}
