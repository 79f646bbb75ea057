/**
 * One call's life (issue "call's life"): INVITE in → routed → answered with SDP → the
 * agent decides → handoff record committed → BYE with the outcome headers. The
 * orchestrator only sequences named steps; each step lives in its own module (routing in
 * `../routing`, media in `media.ts`, the outcome in `outcome.ts`, the CDR in `cdr.ts`).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Agent, Outcome } from '../agents/index.ts';
import type { Dialog, EndReason, IncomingInvite } from '../dialog/index.ts';
import { callLogger, errorFor, type CallOutcome, type Logger } from '../obs/index.ts';
import type { Release, RouteResult, Trunk } from '../routing/index.ts';
import type { CallRecord } from '../store/index.ts';
import type { ServerTransaction, TimerHandle } from '../transaction/index.ts';
import { CdrWriter } from './cdr.ts';
import { agentContext } from './context.ts';
import { DtmfHub, parseInfoDigit } from './dtmf.ts';
import { openCallMedia, type CallMedia } from './media.ts';
import { reanswer } from './modify.ts';
import {
  buildHandoffRecord, byeHeaders, fallbackOutcome, finalizeOutcome, type FinalOutcome, type OutcomeNote,
} from './outcome.ts';
import { rejectionFor, rejectionHeaders } from './reject.ts';
import { CallStateMachine } from './state.ts';
import type { CallDeps, CallEndedBy, CallState } from './types.ts';

/** Default time an agent gets to resolve after being told the call ended, ms. */
export const AGENT_GRACE_MS = 2000;

/** What the agent step produced. */
interface AgentResult {
  outcome: Outcome;
  note?: OutcomeNote;
}

/** One inbound call. Create it, then `run()`; `hangup()` ends it from outside. */
export class Call {
  /** Our conversation id: the handoff record's and the CDR's id. */
  readonly conversationId = randomUUID();
  /** Epoch ms of the INVITE. */
  readonly startedAt = Date.now();
  readonly #sm = new CallStateMachine();
  readonly #abort = new AbortController();
  readonly #timers: TimerHandle[] = [];
  readonly #sdpSessionId = String(randomInt(1, 2 ** 47));
  readonly #dtmf: DtmfHub;
  readonly #cdr: CdrWriter;
  #log: Logger;
  #route: RouteResult | undefined;
  #releaseSlot: Release | undefined;
  #media: CallMedia | undefined;
  #dialog: Dialog | undefined;
  #endedBy: CallEndedBy | undefined;
  #note: OutcomeNote | undefined;
  #wake: (() => void) | undefined;

  constructor(
    readonly invite: IncomingInvite,
    readonly trunk: Trunk,
    private readonly deps: CallDeps,
  ) {
    this.#log = callLogger(deps.logger, { callId: invite.request.callId }).child({ conversationId: this.conversationId });
    this.#dtmf = new DtmfHub((err) => this.#log.warn({ err }, 'DTMF listener failed'));
    this.#cdr = new CdrWriter(deps.store, this.#log);
    // RFC 3261 §9.2: the stack already answered 487; wake a ringing call so it ends.
    invite.onCancel = () => this.#wake?.();
  }

  /** The current state. */
  get state(): CallState {
    return this.#sm.state;
  }

  /** The INVITE's Call-ID. */
  get sipCallId(): string {
    return this.invite.request.callId;
  }

  /** The routed tenant and agent, once known. */
  get route(): RouteResult | undefined {
    return this.#route;
  }

  /** Runs the call to its end. Never rejects. */
  async run(): Promise<void> {
    try {
      this.#cdr.start(this.#initialRecord());
      if (!(await this.#routeStep())) return;
      if (!(await this.#mediaStep())) return;
      if (!(await this.#ringStep())) return;
      this.#answerStep();
      const result = await this.#agentStep();
      await this.#endStep(result);
    } catch (err) {
      this.#failSafe(err);
    } finally {
      this.#cleanup();
      await this.#cdr.flushed();
    }
  }

  /**
   * Ends the call from outside: the agent is told (its signal aborts) and the call ends as
   * usual, record first, then BYE. Ringing calls are refused with 503.
   */
  hangup(endedBy: CallEndedBy = 'system', note?: OutcomeNote): void {
    if (this.#endedBy !== undefined) return;
    this.#endedBy = endedBy;
    this.#note = note;
    this.#abort.abort(endedBy);
    this.#wake?.();
  }

  #initialRecord(): CallRecord {
    const req = this.invite.request;
    return {
      id: this.conversationId, sipCallId: req.callId, trunk: this.trunk.name, from: req.from.uri.toString(),
      to: req.to.uri.toString(), direction: 'inbound', outcome: 'received', startedAt: this.startedAt,
    };
  }

  /** Step 1: agent by token or extension (403/404), then its concurrency slot (486). */
  async #routeStep(): Promise<boolean> {
    const req = this.invite.request;
    let route: RouteResult;
    try {
      route = await this.deps.router.route(this.trunk, { header: (n) => req.get(n), requestUriUser: req.uri.userDecoded });
    } catch (err) {
      return this.#reject(err);
    }
    if (this.#stoppedBeforeAnswer()) return false;
    const { agent, tenant } = route;
    this.#log = callLogger(this.deps.logger, { callId: req.callId, sharedId: route.sharedId, tenant: tenant.slug, agent: agent.slug })
      .child({ conversationId: this.conversationId });
    const release = this.deps.limiter.tryAcquire(agent.id, agent.maxConcurrentCalls);
    if (!release) return this.#reject(errorFor('agent_busy', { agent: agent.slug, limit: agent.maxConcurrentCalls }));
    this.#releaseSlot = release;
    this.#route = route;
    this.#sm.fire('route');
    if (route.sharedId === undefined) this.#log.info({ headers: this.trunk.sharedIdHeaders }, 'no shared id header; the record is found by its id');
    this.#cdr.update(this.conversationId, {
      tenantId: tenant.id, agentId: agent.id, outcome: 'ringing', ...(route.sharedId === undefined ? {} : { sharedId: route.sharedId }),
    });
    return true;
  }

  /** Step 2: RTP port (503 when exhausted) and SDP answer (488). */
  async #mediaStep(): Promise<boolean> {
    try {
      this.#media = await openCallMedia(this.invite.request.body.toString(), this.deps, this.#sdpSessionId);
    } catch (err) {
      return this.#reject(err);
    }
    this.#media.rtp.on('dtmf', (event) => this.#dtmf.push(event.digit));
    this.#media.rtp.on('error', (err) => this.#log.debug({ err }, 'RTP error'));
    return !this.#stoppedBeforeAnswer();
  }

  /** Step 3: 180 Ringing, then the agent's ring time, during which a CANCEL can arrive. */
  async #ringStep(): Promise<boolean> {
    this.invite.provisional(180);
    const ms = this.#route?.agent.ringTimeMs ?? 0;
    if (ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = this.deps.clock.setTimer(ms, resolve);
        this.#wake = () => {
          timer.cancel();
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return !this.#stoppedBeforeAnswer();
  }

  /** Step 4: 200 OK with our SDP; the dialog's events now reach the call. */
  #answerStep(): void {
    const media = this.#media as CallMedia;
    const dialog = this.invite.accept({ sdp: media.answer });
    this.#dialog = dialog;
    this.#sm.fire('answer');
    dialog.handlers = {
      onBye: () => this.hangup('caller'),
      onInfo: (tx) => this.#onInfo(tx),
      onModify: (tx) => reanswer(tx, dialog, media, this.deps.rtpAdvertisedAddress, this.#sdpSessionId),
      onEnd: (reason) => this.#onDialogEnd(reason),
    };
    this.deps.metrics.sipAnswer(200);
    this.deps.metrics.callStarted();
    this.#cdr.update(this.conversationId, { answerCode: 200, answeredAt: Date.now(), outcome: 'answered' });
    this.#timers.push(this.deps.clock.setTimer(this.deps.settings.maxCallDurationMs, () => this.hangup('timeout', 'max_duration')));
    this.#log.info({ port: media.rtp.port, codec: media.media.codec.name }, 'call answered');
  }

  /** Step 5: the agent decides; failure, or silence after the call ended, gives the fallback. */
  async #agentStep(): Promise<AgentResult> {
    this.#sm.fire('start');
    const route = this.#route as RouteResult;
    const fallback = (note: OutcomeNote, err?: unknown): AgentResult => {
      if (err !== undefined) this.#log.warn({ err }, 'agent failed; using its fallback outcome');
      return { outcome: fallbackOutcome(route.agent), note };
    };
    let agent: Agent;
    try {
      agent = this.deps.createAgent(route.agent.kind, route.agent.config);
    } catch (err) {
      return fallback('agent_failed', err);
    }
    const ctx = agentContext(this.conversationId, this.invite.request, route);
    const run = agent.run(ctx, this.#dtmf, this.#abort.signal).then(
      (outcome): AgentResult => ({ outcome }),
      (err: unknown) => fallback('agent_failed', err),
    );
    const result = await Promise.race([run, this.#graceAfterAbort().then(() => fallback('agent_failed', new Error('agent ignored the end of the call')))]);
    return this.#note === 'max_duration' ? fallback('max_duration') : result;
  }

  /** Resolves `agentGraceMs` after the call's abort signal fires. */
  #graceAfterAbort(): Promise<void> {
    const ms = this.deps.settings.agentGraceMs ?? AGENT_GRACE_MS;
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const arm = (): void => void this.#timers.push(this.deps.clock.setTimer(ms, resolve));
      if (signal.aborted) arm();
      else signal.addEventListener('abort', arm, { once: true });
    });
  }

  /** Step 6: the record, durable FIRST; THEN the BYE with the same values. */
  async #endStep(result: AgentResult): Promise<void> {
    this.#sm.fire('end');
    const route = this.#route as RouteResult;
    const endedBy = this.#endedBy ?? 'agent';
    this.#endedBy = endedBy;
    this.#abort.abort(endedBy);
    const final = finalizeOutcome(route.agent, result.outcome, endedBy, result.note);
    await this.#commitRecord(route, final);
    await this.#sendBye(route.trunk, final);
    this.#closeMedia();
    const label = callOutcomeLabel(endedBy, final, result.note);
    this.deps.metrics.callEnded(label);
    this.#cdr.update(this.conversationId, {
      outcome: label, endedBy, contained: final.contained, endedAt: Date.now(),
      ...(final.destination === undefined ? {} : { destination: final.destination }),
    });
    this.#sm.fire('finish');
    this.#log.info({ endedBy, contained: final.contained, destination: final.destination }, 'call ended');
  }

  async #commitRecord(route: RouteResult, final: FinalOutcome): Promise<void> {
    const identity = {
      conversationId: this.conversationId, tenantId: route.tenant.id, agentId: route.agent.id,
      ...(route.sharedId === undefined ? {} : { sharedId: route.sharedId }),
    };
    const record = buildHandoffRecord(identity, final, Date.now(), this.deps.settings.retentionMs);
    const t0 = performance.now();
    try {
      await this.deps.store.putHandoff(record);
      this.deps.metrics.storeOp('putHandoff', (performance.now() - t0) / 1000);
      this.deps.metrics.handoffRecord();
    } catch (err) {
      // The BYE still goes: the contact center's script then takes its API-failure branch.
      this.deps.metrics.error('store_unavailable');
      this.#log.error({ err }, 'handoff record not written');
    }
  }

  async #sendBye(trunk: Trunk, final: FinalOutcome): Promise<void> {
    const dialog = this.#dialog;
    if (!dialog || dialog.state === 'terminated') return;
    try {
      const res = await dialog.bye({ headers: byeHeaders(trunk, final) });
      if (res.status >= 300) this.#log.warn({ status: res.status }, 'BYE refused');
    } catch (err) {
      this.#log.warn({ err }, 'BYE failed');
    }
  }

  /** RFC 3261 §12.2: DTMF relayed by INFO inside the dialog (answered 200 by the dialog). */
  #onInfo(tx: ServerTransaction): void {
    const digit = parseInfoDigit(tx.request.contentType, tx.request.body.toString());
    if (digit !== undefined) this.#dtmf.push(digit);
  }

  /** The dialog ended without our BYE: the caller's BYE, or the stack gave up (no ACK, §13.3.1.4). */
  #onDialogEnd(reason: EndReason): void {
    if (reason === 'bye_sent') return;
    this.hangup(reason === 'bye_received' ? 'caller' : 'system');
  }

  /** After an await before the answer: a CANCEL or a hangup ends the call here. */
  #stoppedBeforeAnswer(): boolean {
    if (this.invite.state === 'cancelled') {
      this.#sm.fire('cancel');
      this.deps.metrics.callRejected();
      this.#cdr.update(this.conversationId, { answerCode: 487, outcome: 'cancelled', endedBy: 'caller', endedAt: Date.now() });
      this.#log.info('call cancelled before the answer');
      return true;
    }
    if (this.#endedBy !== undefined) {
      this.#reject(errorFor('draining', { call: this.conversationId }));
      return true;
    }
    return false;
  }

  /** Refuses the INVITE with the status `err` maps to. Returns false for the step chain. */
  #reject(err: unknown): false {
    const r = rejectionFor(err, this.deps.settings.retryAfterSec);
    this.invite.reject(r.status, { headers: rejectionHeaders(r) });
    if (this.#sm.can('reject')) this.#sm.fire('reject');
    this.deps.metrics.sipAnswer(r.status);
    this.deps.metrics.callRejected();
    this.deps.metrics.error(r.code);
    this.#cdr.update(this.conversationId, { answerCode: r.status, outcome: 'rejected', endedBy: 'system', endedAt: Date.now() });
    this.#log.info({ code: r.code, status: r.status }, 'call rejected');
    return false;
  }

  /** A bug path: answer 500 or hang up so that nothing lingers. */
  #failSafe(err: unknown): void {
    this.#log.error({ err }, 'call failed');
    if (this.invite.state === 'pending') this.invite.reject(500);
    const dialog = this.#dialog;
    if (dialog && dialog.state !== 'terminated') dialog.bye().catch(() => undefined);
    this.#cdr.update(this.conversationId, { outcome: 'failed', endedBy: 'system', endedAt: Date.now() });
  }

  #closeMedia(): void {
    const rtp = this.#media?.rtp;
    if (!rtp || rtp.isClosed) return;
    const s = rtp.stats;
    this.#cdr.update(this.conversationId, {
      media: {
        codec: this.#media?.media.codec.name ?? null, packetsSent: s.packetsSent, packetsReceived: s.packetsReceived,
        lost: s.lost, jitterMs: s.jitterMs, dtmfReceived: s.dtmfReceived,
      },
    });
    rtp.close();
  }

  #cleanup(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers.length = 0;
    this.#dtmf.clear();
    this.#closeMedia();
    this.#releaseSlot?.();
    this.#releaseSlot = undefined;
    if (!this.#abort.signal.aborted) this.#abort.abort('ended');
  }
}

/** The `agentline_calls_total{outcome}` label of an ended call. */
export function callOutcomeLabel(endedBy: CallEndedBy, final: FinalOutcome, note: OutcomeNote | undefined): CallOutcome {
  if (note === 'agent_failed') return 'failed';
  if (endedBy === 'caller') return 'caller_hangup';
  return final.contained ? 'contained' : 'handoff';
}
