/**
 * One call's life (issue "call's life"): INVITE in → session timer negotiated → routed →
 * answered with SDP → the agent decides → handoff record committed → BYE with the outcome
 * headers (or REFER). The orchestrator only sequences named steps; each step lives in its
 * own module (routing in `../routing`, media in `media-leg.ts`, session timers in
 * `session-timer.ts`, the outcome in `outcome.ts`, the end in `call-end.ts` over `ending.ts`,
 * the CDR in `cdr.ts`).
 */
import { randomInt } from 'node:crypto';
import { CallAbort, type Agent, type Outcome } from '../agents/index.ts';
import type { Dialog, EndReason, IncomingInvite } from '../dialog/index.ts';
import { callLogger, deferredLogger, errorFor, type CallLogContext, type Logger } from '../obs/index.ts';
import type { Release, RouteResult, Trunk } from '../routing/index.ts';
import { detachText } from '../sip/index.ts';
import type { ServerTransaction, TimerHandle } from '../transaction/index.ts';
import { callOutcomeLabel, commitCallRecord, endedCallPatch, firstCallRecord, handCallBack } from './call-end.ts';
import { CdrWriter } from './cdr.ts';
import { agentContext } from './context.ts';
import { newConversationId } from './conversation-id.ts';
import { parseInfoDigit } from './dtmf.ts';
import { MediaLeg } from './media-leg.ts';
import { fallbackOutcome, finalizeOutcome, type OutcomeNote } from './outcome.ts';
import { rejectionFor, rejectionHeaders } from './reject.ts';
import { CallSessionTimer, SessionIntervalError, sessionPolicy } from './session-timer.ts';
import { CallStateMachine } from './state.ts';
import type { CallDeps, CallEndedBy, CallState } from './types.ts';
import { SETTLED } from '../lib/settled.ts';

export { callOutcomeLabel, cdrOutcome } from './call-end.ts';

/** Default time an agent gets to resolve after being told the call ended, ms. */
export const AGENT_GRACE_MS = 2000;

/** What the agent step produced. */
interface AgentResult {
  outcome: Outcome;
  note?: OutcomeNote;
}

/** One inbound call. Create it, then `run()`; `hangup()` ends it from outside. */
export class Call {
  /** Epoch ms of the INVITE. */
  readonly startedAt = Date.now();
  /** Our conversation id: the handoff record's and the CDR's id (a UUIDv7 of `startedAt`). */
  readonly conversationId = newConversationId(this.startedAt);
  readonly #sm = new CallStateMachine();
  /** The agent's signal; made when the agent starts (a refused call needs none). */
  #abort: CallAbort | undefined;
  /** Set while the agent runs: ends its wait with the fallback once its grace after the end is over. */
  #giveUp: (() => void) | undefined;
  readonly #timers: TimerHandle[] = [];
  readonly #sdpSessionId = String(randomInt(1, 2 ** 47));
  readonly #cdr: CdrWriter;
  /** What the call's logger binds; the logger itself is made on first use (one pino child per call). */
  #logContext: CallLogContext;
  #logger: Logger | undefined;
  /**
   * The call's logger as every step and child sees it: the pino child is made when a line
   * is written at the configured level (none at all for a call that logs nothing).
   */
  readonly #log: Logger;
  #route: RouteResult | undefined;
  #releaseSlot: Release | undefined;
  #media: MediaLeg | undefined;
  #recorded: Promise<void> = SETTLED;
  #dialog: Dialog | undefined;
  #endedBy: CallEndedBy | undefined;
  #note: OutcomeNote | undefined;
  #wake: (() => void) | undefined;
  #session: CallSessionTimer | undefined;
  /** True when the caller's leg is presumed dead (no ACK, session expired): BYE only, no REFER. */
  #peerGone = false;

  /** The INVITE's Call-ID (a copy: the call outlives the INVITE's text). */
  readonly sipCallId: string;
  /** The INVITE being answered; let go when the call has ended (see `#letGo`). */
  #incoming: IncomingInvite | undefined;

  constructor(
    invite: IncomingInvite,
    readonly trunk: Trunk,
    private readonly deps: CallDeps,
  ) {
    this.#incoming = invite;
    this.sipCallId = detachText(invite.request.callId);
    this.#logContext = { callId: this.sipCallId, conversationId: this.conversationId };
    this.#log = deferredLogger(() => this.#childLogger(), deps.logger);
    this.#cdr = new CdrWriter(deps.store, () => this.#log, { clock: deps.clock });
  }

  /** The call's child logger, made on first use from the bindings known by then. */
  #childLogger(): Logger {
    return (this.#logger ??= callLogger(this.deps.logger, this.#logContext));
  }

  /** The current state. */
  get state(): CallState {
    return this.#sm.state;
  }

  /** The INVITE being answered. @throws Error once the call has ended */
  private get invite(): IncomingInvite {
    const invite = this.#incoming;
    if (invite === undefined) throw new Error(`call ended [conversation:${this.conversationId}]`);
    return invite;
  }

  /** The routed tenant and agent, once known. */
  get route(): RouteResult | undefined {
    return this.#route;
  }

  /** Runs the call to its end. Never rejects. */
  async run(): Promise<void> {
    try {
      this.#cdr.start(firstCallRecord(this.conversationId, this.sipCallId, this.trunk.name, this.invite.request, this.startedAt));
      if (!this.#sessionStep()) return;
      if (!(await this.#routeStep())) return;
      if (!(await this.#mediaStep())) return;
      const ringMs = this.#route?.agent.ringTimeMs ?? 0;
      if (ringMs > 0 && !(await this.#ringStep(ringMs))) return;
      this.#answerStep();
      const result = await this.#agentStep();
      await this.#endStep(result);
    } catch (err) {
      this.#failSafe(err);
    } finally {
      this.#cleanup();
      this.#letGo();
      await this.#recorded;
      await this.#cdr.flush();
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
    this.#wake?.();
    if (this.#giveUp !== undefined) this.#tellAgent(endedBy);
  }

  /** Step 0: RFC 4028 §9, a Session-Expires below our Min-SE is refused 422 before anything else. */
  #sessionStep(): boolean {
    const session = new CallSessionTimer(this.invite.request, sessionPolicy(this.deps.settings), this.deps.clock);
    if (!session.negotiation.ok) return this.#reject(new SessionIntervalError(session.negotiation.minSe));
    this.#session = session;
    return true;
  }

  /** Step 1: agent by token or extension (403/404), then its concurrency slot (486). */
  async #routeStep(): Promise<boolean> {
    const req = this.invite.request;
    let route: RouteResult;
    try {
      route = await this.deps.router.route(this.trunk, { header(n) { return req.get(n); }, requestUriUser: req.uri.userDecoded });
    } catch (err) {
      return this.#reject(err);
    }
    if (this.#stoppedBeforeAnswer()) return false;
    const { agent, tenant } = route;
    this.#logContext = {
      callId: req.callId, sharedId: route.sharedId, tenant: tenant.slug, agent: agent.slug, conversationId: this.conversationId,
    };
    this.#logger = undefined;
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

  /** Step 2: RTP port (503 when exhausted), SDP answer (488), the agent's media handle. */
  async #mediaStep(): Promise<boolean> {
    try {
      this.#media = await MediaLeg.open(this.invite.request.body.toString(), this.deps, this.#sdpSessionId, this.conversationId, this.#log);
    } catch (err) {
      return this.#reject(err);
    }
    return !this.#stoppedBeforeAnswer();
  }

  /**
   * Step 3, only for an agent with a ring time: 180 Ringing, then the ring time, during
   * which a CANCEL can arrive. Without one the 200 goes out at once: RFC 3261 §13.3.1 lets
   * a UAS answer with no provisional response (the stack's 100 Trying already stops the
   * INVITE's retransmissions, §17.2.1).
   */
  async #ringStep(ms: number): Promise<boolean> {
    this.invite.provisional(180);
    await new Promise<void>((resolve) => {
      const timer = this.deps.clock.setTimer(ms, resolve);
      this.#wake = () => {
        timer.cancel();
        resolve();
      };
      // RFC 3261 §9.2: the stack already answered 487; wake the ringing call so it ends.
      this.invite.onCancel = this.#wake;
    });
    this.#wake = undefined;
    return !this.#stoppedBeforeAnswer();
  }

  /** Step 4: 200 OK with our SDP; the dialog's events now reach the call. */
  #answerStep(): void {
    const media = this.#media as MediaLeg;
    const session = this.#session as CallSessionTimer;
    const dialog = this.invite.accept({ sdp: media.answer, headers: session.answerHeaders });
    this.#dialog = dialog;
    this.#sm.fire('answer');
    // Methods, not arrow functions, on the objects made per call (here and in the other steps):
    // the tsx loader's keepNames gives every arrow function or function expression stored
    // under a name a `__name()` call (Object.defineProperty), about 0.7 µs and 250 bytes each.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the methods below cannot see `this`
    const call = this;
    dialog.handlers = {
      onBye() { call.hangup('caller'); },
      onInfo(tx) { call.#onInfo(tx); },
      onModify(tx) {
        session.onModify(tx, (headers) => media.modify(tx, dialog, call.deps.rtpAdvertisedAddress, call.#sdpSessionId, headers));
      },
      // §13.3.1.4: no ACK; the call ends its own way (record, then BYE with the outcome headers).
      onAckTimeout() { call.#peerDead('system'); },
      onEnd(reason) { call.#onDialogEnd(reason); },
    };
    session.start(dialog, () => media.answer, () => this.#peerDead('timeout', 'session_expired'));
    this.deps.metrics.sipAnswer(200);
    this.deps.metrics.callStarted();
    this.#cdr.update(this.conversationId, { answerCode: 200, answeredAt: Date.now(), outcome: 'answered' });
    this.#timers.push(this.deps.clock.setTimer(this.deps.settings.maxCallDurationMs, () => this.hangup('timeout', 'max_duration')));
    const { rtp, media: negotiated } = media.media;
    this.#log.info({ port: rtp.port, codec: negotiated.codec.name, telephoneEventPt: negotiated.telephoneEventPt }, 'call answered');
  }

  /** Step 5: the agent decides; failure, or silence after the call ended, gives the fallback. */
  async #agentStep(): Promise<AgentResult> {
    this.#sm.fire('start');
    const route = this.#route as RouteResult;
    let agent: Agent;
    try {
      // The agent logs through the call's logger: its lines carry the call id, shared id, tenant and agent.
      agent = this.deps.createAgent(route.agent.kind, route.agent.config, { logger: this.#log });
    } catch (err) {
      return this.#fallback('agent_failed', err);
    }
    const ctx = agentContext(this.conversationId, this.invite.request, route);
    const abort = new CallAbort((err) => this.#log.warn({ err }, 'agent abort listener failed'));
    this.#abort = abort;
    const result = await new Promise<AgentResult>((resolve) => {
      agent.run(ctx, (this.#media as MediaLeg).handle, abort).then(
        (outcome) => resolve({ outcome }),
        (err: unknown) => resolve(this.#fallback('agent_failed', err)),
      );
      this.#giveUp = () => resolve(this.#fallback('agent_failed', new Error('agent ignored the end of the call')));
      // Ended while the agent was being set up (e.g. the caller's BYE right after the ACK).
      if (this.#endedBy !== undefined) this.#tellAgent(this.#endedBy);
    });
    this.#giveUp = undefined;
    if (this.#note === 'max_duration') return this.#fallback('max_duration');
    return this.#note !== undefined && result.note === undefined ? { ...result, note: this.#note } : result;
  }

  /** The agent's fallback outcome (the agent failed, or the call hit its time limit). */
  #fallback(note: OutcomeNote, err?: unknown): AgentResult {
    if (err !== undefined) this.#log.warn({ err }, 'agent failed; using its fallback outcome');
    return { outcome: fallbackOutcome((this.#route as RouteResult).agent), note };
  }

  /**
   * The call ended under the running agent: its signal aborts, and it has `agentGraceMs`
   * to resolve before the call goes on with its fallback outcome.
   */
  #tellAgent(endedBy: CallEndedBy): void {
    const abort = this.#abort;
    if (abort === undefined || abort.aborted) return;
    abort.abort(endedBy);
    const giveUp = this.#giveUp;
    if (giveUp !== undefined) this.#timers.push(this.deps.clock.setTimer(this.deps.settings.agentGraceMs ?? AGENT_GRACE_MS, giveUp));
  }

  /** Step 6: the record, durable FIRST; THEN the BYE with the same values. */
  async #endStep(result: AgentResult): Promise<void> {
    this.#sm.fire('end');
    const route = this.#route as RouteResult;
    // The agent has resolved (or was given up on after its signal aborted): nothing to tell it.
    const endedBy = (this.#endedBy ??= 'agent');
    const final = finalizeOutcome(route.agent, result.outcome, endedBy, result.note);
    await commitCallRecord(this.conversationId, route, final, this.deps, this.#log);
    const handing = handCallBack(this.#dialog, this.conversationId, route, final, this.deps, this.#log, !this.#peerGone);
    const back = handing instanceof Promise ? await handing : handing;
    this.#closeMedia();
    const label = callOutcomeLabel(endedBy, final, result.note);
    this.deps.metrics.callEnded(label);
    this.#cdr.update(this.conversationId, endedCallPatch(label, back, endedBy, final));
    this.#sm.fire('finish');
    this.#log.info({ endedBy, contained: final.contained, destination: final.destination }, 'call ended');
    // The call leaves the registry once the BYE is answered, which a loaded peer may take a
    // second to do: meanwhile it holds nothing it no longer needs.
    this.#cleanup();
    this.#letGo();
    await back.answered;
  }

  /** The caller's leg is presumed dead (no ACK, no session refresh): end with a BYE, never a REFER. */
  #peerDead(endedBy: CallEndedBy, note?: OutcomeNote): void {
    if (this.#endedBy !== undefined) return;
    this.#peerGone = true;
    this.hangup(endedBy, note);
  }

  /** RFC 3261 §12.2: DTMF relayed by INFO inside the dialog (answered 200 by the dialog). */
  #onInfo(tx: ServerTransaction): void {
    const digit = parseInfoDigit(tx.request.contentType, tx.request.body.toString());
    if (digit !== undefined) this.#media?.infoDigit(digit);
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
    const invite = this.#incoming; // undefined once the BYE left (`#letGo`): nothing to answer then
    if (invite?.state === 'pending') invite.reject(500);
    const dialog = this.#dialog;
    if (dialog && dialog.state !== 'terminated') dialog.bye().catch(() => undefined);
    this.#cdr.update(this.conversationId, { outcome: 'failed', endedBy: 'system', endedAt: Date.now() });
  }

  /** Closes the media (once) and writes its statistics into the call record. */
  #closeMedia(): void {
    const leg = this.#media;
    if (!leg) return;
    this.#media = undefined;
    const { record, recorded } = leg.close();
    this.#recorded = recorded;
    this.#cdr.update(this.conversationId, { media: record });
  }

  /**
   * Ended: the call waits only for its BYE's answer (a loaded peer may take a second) and its
   * CDR, so it lets go of the parsed INVITE, the dialog, the agent's signal and the session timer.
   */
  #letGo(): void {
    this.#incoming = undefined;
    this.#dialog = undefined;
    this.#abort = undefined;
    this.#session = undefined;
    this.#giveUp = undefined;
    this.#wake = undefined;
  }

  #cleanup(): void {
    this.#session?.stop();
    for (const t of this.#timers) t.cancel();
    this.#timers.length = 0;
    this.#closeMedia();
    this.#releaseSlot?.();
    this.#releaseSlot = undefined;
  }
}
