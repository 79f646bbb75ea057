/**
 * Every live call of the process: admission (trunk ACL, draining, overload) before a
 * `Call` exists, the live-call registry, and draining on shutdown.
 */
import type { IncomingInvite } from '../dialog/index.ts';
import { SlotMap } from '../lib/slot-map.ts';
import { PromptCache } from '../media/prompts.ts';
import { RtpSocketPool } from '../media/rtp-socket-pool.ts';
import { errorFor } from '../obs/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import type { Inbound } from '../transport/index.ts';
import { Call } from './call.ts';
import { rejectionFor, rejectionHeaders } from './reject.ts';
import type { CallDeps } from './types.ts';

/** Options of {@link CallManager}. */
export interface CallManagerOptions {
  /** Live calls at most; beyond, INVITEs get 503 with Retry-After. */
  maxCalls: number;
}

/** A summary of a live call (for the admin API and logs). */
export interface LiveCall {
  conversationId: string;
  sipCallId: string;
  state: Call['state'];
  trunk: string;
  tenantId?: string;
  agentId?: string;
  sharedId?: string;
  startedAt: number;
}

/** Holds the live calls. One per process. */
export class CallManager {
  /** A SlotMap, not a Map: see src/lib/slot-map.ts. */
  readonly #calls = new SlotMap<Call>();
  readonly #idle = new Set<() => void>();
  #draining = false;
  /** The RTP socket pool made here (when `deps` had none). */
  readonly #ownPool: RtpSocketPool | undefined;
  private readonly deps: CallDeps;

  /**
   * @param deps shared by every call; without `prompts`, one prompt cache is made for them
   *   all, and without `rtpSockets` one RTP socket pool on `ports` (closed by `hangupAll`)
   */
  constructor(
    deps: CallDeps,
    private readonly options: CallManagerOptions,
  ) {
    this.#ownPool = deps.rtpSockets === undefined
      ? new RtpSocketPool({ ports: deps.ports, localAddress: deps.rtpBindAddress, ...(deps.rtpIo === undefined ? {} : { native: deps.rtpIo }) })
      : undefined;
    this.deps = { ...deps, prompts: deps.prompts ?? new PromptCache(), rtpSockets: deps.rtpSockets ?? this.#ownPool };
  }

  /** Number of live calls (ringing or answered). */
  get count(): number {
    return this.#calls.size;
  }

  /** True once `drain()` was called: new INVITEs get 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /** The live calls. */
  list(): LiveCall[] {
    return [...this.#calls.values()].map((c) => {
      const live: LiveCall = {
        conversationId: c.conversationId, sipCallId: c.sipCallId, state: c.state, trunk: c.trunk.name, startedAt: c.startedAt,
      };
      if (c.route) {
        live.tenantId = c.route.tenant.id;
        live.agentId = c.route.agent.id;
        if (c.route.sharedId !== undefined) live.sharedId = c.route.sharedId;
      }
      return live;
    });
  }

  /**
   * A new INVITE (the user agent's `onInvite`). The trunk ACL comes first, so a denied
   * source learns nothing else (ARCHITECTURE.md "SIP, inbound"); then draining and
   * overload (503 + Retry-After); then the call runs.
   */
  handleInvite(invite: IncomingInvite, inbound: Inbound): void {
    const trunk = this.deps.router.matchTrunk(inbound.source.address);
    if (!trunk) {
      this.#deny(invite, inbound);
      return;
    }
    if (this.#draining || this.#calls.size >= this.options.maxCalls) {
      const code = this.#draining ? 'draining' : 'overloaded';
      const r = rejectionFor(errorFor(code, { calls: this.#calls.size }), this.deps.settings.retryAfterSec);
      invite.reject(r.status, { headers: rejectionHeaders(r) });
      this.deps.metrics.sipAnswer(r.status);
      this.deps.metrics.callRejected();
      return;
    }
    const call = new Call(invite, trunk, this.deps);
    this.#calls.set(call.conversationId, call);
    void call.run().finally(() => this.#remove(call));
  }

  /**
   * Any other request outside a dialog (the user agent's `onRequest`): a source outside
   * every trunk gets the same 403 as an INVITE (or nothing, with `onDenied: drop`).
   * @returns true when answered here; false lets the stack answer (OPTIONS 200, §11.2)
   */
  handleRequest(tx: ServerTransaction): boolean {
    if (this.deps.router.matchTrunk(tx.inbound.source.address)) return false;
    if (!this.#dropsDenied()) tx.reply(403);
    return true;
  }

  /**
   * Stops taking calls and waits for the live ones to end.
   * @param timeoutMs after this, live calls are hung up (record written, BYE sent) and waited for
   * @returns resolves when no call is live
   */
  async drain(timeoutMs = Infinity): Promise<void> {
    this.#draining = true;
    if (this.#calls.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Number.isFinite(timeoutMs)
      ? new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })
      : new Promise<void>(() => {});
    await Promise.race([this.#whenIdle(), timedOut]);
    clearTimeout(timer);
    if (this.#calls.size > 0) await this.hangupAll();
  }

  /**
   * Ends one live call from outside (the admin API's `DELETE /admin/v1/calls/{id}`): as any
   * hangup, the record is written (`ended_by: system`), then the BYE is sent.
   * @returns false when no live call has that conversation id
   */
  hangupCall(conversationId: string): boolean {
    const call = this.#calls.get(conversationId);
    if (!call) return false;
    call.hangup('system');
    return true;
  }

  /**
   * Ends every live call (`ended_by: system`) and waits until they are gone; then closes the
   * idle RTP sockets (no call starts any more).
   */
  async hangupAll(): Promise<void> {
    this.#draining = true;
    for (const call of this.#calls.values()) call.hangup('system');
    await this.#whenIdle();
    this.#ownPool?.close();
  }

  #whenIdle(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #remove(call: Call): void {
    this.#calls.delete(call.conversationId);
    if (this.#calls.size > 0) return;
    for (const resolve of [...this.#idle]) resolve();
    this.#idle.clear();
  }

  #deny(invite: IncomingInvite, inbound: Inbound): void {
    this.deps.metrics.error('acl_denied');
    this.deps.logger.info({ source: inbound.source.address }, 'request from a source outside every trunk');
    if (!this.#dropsDenied()) invite.reject(403);
  }

  /**
   * No trunk matched, so no trunk's `onDenied` applies: drop only when every trunk asks
   * for it (otherwise a 403, the same answer whatever the request).
   */
  #dropsDenied(): boolean {
    return this.deps.router.trunks.every((t) => t.onDenied === 'drop');
  }
}
