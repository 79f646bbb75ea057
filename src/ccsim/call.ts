/**
 * One emulated call, as a Five9 IVR script runs it, in named steps:
 * *Set Variable* (headers) → *Third Party Transfer* (INVITE, SDP offer, ACK, RTP both
 * ways, the caller script, the gateway's re-INVITEs and UPDATEs answered) → *Return from
 * the agent* (BYE headers → variables) →
 * *Query module* (Handoff API) → *Case* (routing decision).
 */
import { performance } from 'node:perf_hooks';
import type { Dialog, UserAgent } from '../dialog/index.ts';
import type { MediaClock, PortSource } from '../media/index.ts';
import type { SipRequest, SipResponse } from '../sip/index.ts';
import { CallerMedia, type CallerMediaResult } from './caller.ts';
import { decide } from './case.ts';
import { queryHandoff } from './query.ts';
import { ModifyAnswerer } from './modify.ts';
import type {
  CallEnd, CallIssue, CallOptions, CallReport, CallerScript, GatewayTarget, MediaReport, QueryResult, SessionUpdate,
} from './types.ts';
import { byeVariables, inviteVariables, type InviteVariables } from './variables.ts';

/** Default guard on a call the agent does not end, ms. */
export const DEFAULT_MAX_CALL_MS = 60_000;
/** How long we wait for a pending SIP INFO's answer once the call is over, ms. */
const INFO_DRAIN_MS = 2000;

/** What a call needs from the emulator that runs it. */
export interface CallContext {
  ua: UserAgent;
  gateway: Required<GatewayTarget>;
  localAddress: string;
  ports: PortSource;
  rtcpMux: boolean;
  clock: MediaClock;
}

/** The conversation's end, as the caller side saw it. */
interface Conversation {
  ended: CallEnd;
  bye?: SipRequest;
  durationMs: number;
  dtmf: MediaReport['dtmf'];
  updates: SessionUpdate[];
}

/**
 * Places one call and runs it to the routing decision.
 * @throws CcsimError for options the contact center would refuse (too many headers...),
 *   MediaError when the prompt cannot be read or RTP cannot bind — before any INVITE is sent
 */
export async function runCall(ctx: CallContext, options: CallOptions, signal?: AbortSignal): Promise<CallReport> {
  const script = options.script ?? {};
  const vars = inviteVariables(options.variables ?? {}, options.headerNames, ctx.localAddress, options.maxCustomHeaders);
  const media = await CallerMedia.open({
    clock: ctx.clock, ports: ctx.ports, localAddress: ctx.localAddress, rtcpMux: ctx.rtcpMux,
    ...(script.audio === undefined ? {} : { audio: script.audio }),
    ...(script.detectHz === undefined ? {} : { detectHz: script.detectHz }),
    ...(script.recordPath === undefined ? {} : { recordPath: script.recordPath }),
  });
  const issues: CallIssue[] = [];
  const uri = `sip:${vars.user}@${hostPort(ctx.gateway)}`;
  let rung: Awaited<ReturnType<typeof ring>>;
  let talk: Conversation;
  let heard: CallerMediaResult;
  try {
    rung = await ring(ctx, uri, vars, media.offer, signal);
    talk = rung.dialog === undefined
      ? { ended: 'not_answered', durationMs: 0, dtmf: [], updates: [] }
      : await converse(rung.dialog, media, rung.response, script, issues, signal);
  } finally {
    heard = await media.close();
  }
  const { response, dialog, setupMs, callId } = rung;
  const byeHeaders = talk.bye?.headers.map((h): [string, string] => [h.name, h.value]);
  const variables = byeHeaders === undefined ? {} : byeVariables(byeHeaders, options.byeHeaders);
  const query = await runQuery(options, vars.sessionId, dialog !== undefined, signal);
  const decision = decide({ ended: talk.ended, answerStatus: response.status, variables, query, ...(options.routing === undefined ? {} : { routing: options.routing }) });
  return {
    sessionId: vars.sessionId, callId, invite: { uri, headers: vars.headers },
    answer: { status: response.status, reason: response.reason, setupMs },
    ended: talk.ended, durationMs: talk.durationMs,
    ...(byeHeaders === undefined ? {} : { bye: { headers: byeHeaders } }),
    variables, media: mediaReport(heard, talk.dtmf), sessionUpdates: talk.updates, query, decision, issues,
  };
}

function hostPort(g: Required<GatewayTarget>): string {
  const host = g.host.includes(':') ? `[${g.host}]` : g.host;
  const transport = g.protocol === 'tcp' ? ';transport=tcp' : '';
  return `${host}:${g.port}${transport}`;
}

/** *Third Party Transfer*, signalling: the INVITE to its final response; abort cancels it (RFC 3261 §9.1). */
async function ring(
  ctx: CallContext, uri: string, vars: InviteVariables, sdp: string, signal: AbortSignal | undefined,
): Promise<{ response: SipResponse; dialog: Dialog | undefined; setupMs: number; callId: string }> {
  const t0 = performance.now();
  const invite = ctx.ua.invite({
    target: { protocol: ctx.gateway.protocol, address: ctx.gateway.host, port: ctx.gateway.port },
    uri, headers: vars.headers, sdp, ...(vars.from === undefined ? {} : { from: vars.from }),
  });
  const onAbort = (): void => invite.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) invite.cancel();
  const { response, dialog } = await invite.result;
  signal?.removeEventListener('abort', onAbort);
  return { response, dialog, setupMs: elapsedSince(t0), callId: invite.request.callId };
}

/** *Third Party Transfer*, media and the caller script, until the agent's BYE or the caller hangs up. */
async function converse(
  dialog: Dialog, media: CallerMedia, answer: SipResponse, script: CallerScript, issues: CallIssue[], signal: AbortSignal | undefined,
): Promise<Conversation> {
  const answeredAt = performance.now();
  const timers: NodeJS.Timeout[] = [];
  let finish!: (r: { ended: CallEnd; bye?: SipRequest }) => void;
  const ended = new Promise<{ ended: CallEnd; bye?: SipRequest }>((resolve) => { finish = resolve; });
  const modify = new ModifyAnswerer({
    dialog, media, elapsedMs: () => performance.now() - answeredAt,
    issue: (i) => issues.push(i), ackTimeout: () => finish({ ended: 'error' }),
  });
  dialog.handlers = {
    onBye: (req) => finish({ ended: 'agent', bye: req }),
    // 'bye_received' comes just before onBye, 'bye_sent' from our own hang-up.
    onEnd: (reason) => { if (reason !== 'bye_sent' && reason !== 'bye_received') finish({ ended: 'error' }); },
    onModify: (tx) => modify.receive(tx),
    onAck: (req) => modify.ack(req),
  };
  const onAbort = (): void => finish({ ended: 'aborted' });
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  try {
    media.connect(answer.body.toString());
  } catch (err) {
    issues.push({ code: codeOf(err, 'sdp_answer_invalid'), message: err instanceof Error ? err.message : String(err) });
    finish({ ended: 'error' });
  }
  if (script.hangupAfterMs !== undefined) timers.push(setTimeout(() => finish({ ended: 'caller' }), script.hangupAfterMs));
  timers.push(setTimeout(() => finish({ ended: 'timeout' }), script.maxCallMs ?? DEFAULT_MAX_CALL_MS));
  const presser = new Presser(dialog, media, script.dtmfMode ?? 'rfc4733', issues, answeredAt);
  for (const p of script.presses ?? []) timers.push(setTimeout(() => presser.press(p.digits), p.atMs));
  const result = await ended;
  for (const t of timers) clearTimeout(t);
  signal?.removeEventListener('abort', onAbort);
  const durationMs = elapsedSince(answeredAt);
  if (result.ended !== 'agent' && dialog.state !== 'terminated') await hangUp(dialog, issues);
  await presser.drain();
  return { ...result, durationMs, dtmf: presser.sent, updates: modify.updates };
}

/** Sends our BYE; a failure is an issue, not an exception. */
async function hangUp(dialog: Dialog, issues: CallIssue[]): Promise<void> {
  const res = await dialog.bye();
  if (res.status >= 300) issues.push({ code: 'bye_failed', message: `our BYE got ${res.status} ${res.reason}` });
}

/** Sends digits the way the script says (RFC 4733 events, SIP INFO, or both). */
class Presser {
  readonly sent: MediaReport['dtmf'] = [];
  private infoChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dialog: Dialog,
    private readonly media: CallerMedia,
    private readonly mode: 'rfc4733' | 'info' | 'both',
    private readonly issues: CallIssue[],
    private readonly since: number,
  ) {}

  press(digits: string): void {
    if (this.dialog.state === 'terminated') return;
    const atMs = Math.round(performance.now() - this.since);
    let info = this.mode !== 'rfc4733';
    if (this.mode !== 'info') {
      if (this.media.canSendRtpDtmf) {
        this.media.sendDtmf(digits);
        this.sent.push({ digits, mode: 'rfc4733', atMs });
      } else {
        this.issues.push({ code: 'dtmf_not_negotiated', message: 'the answer has no telephone-event; digits sent by SIP INFO instead' });
        info = true;
      }
    }
    if (info) for (const digit of digits) this.infoChain = this.infoChain.then(() => this.sendInfo(digit, atMs));
  }

  /** One digit as `application/dtmf-relay` (the de-facto format most gateways read). */
  private async sendInfo(digit: string, atMs: number): Promise<void> {
    if (this.dialog.state === 'terminated') return;
    const tx = this.dialog.request('INFO', { body: `Signal=${digit}\r\nDuration=160\r\n`, contentType: 'application/dtmf-relay' });
    const entry: MediaReport['dtmf'][number] = { digits: digit, mode: 'info', atMs };
    this.sent.push(entry);
    const res = await tx.final;
    entry.status = res.status;
    if (res.status >= 300) this.issues.push({ code: 'dtmf_info_refused', message: `INFO ${digit} got ${res.status} ${res.reason}` });
  }

  /** Waits (briefly) for INFOs still in flight. */
  async drain(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<void>((resolve) => { timer = setTimeout(resolve, INFO_DRAIN_MS); });
    await Promise.race([this.infoChain, guard]);
    clearTimeout(timer);
  }
}

/** *Query module*: skipped without an API or an answered call. */
async function runQuery(options: CallOptions, sessionId: string, answered: boolean, signal: AbortSignal | undefined): Promise<QueryResult> {
  if (options.query === undefined) return { branch: 'skipped', reason: 'no Handoff API configured', attempts: [], latencyMs: 0 };
  if (!answered) return { branch: 'skipped', reason: 'the call was not answered: no record to ask for', attempts: [], latencyMs: 0 };
  return queryHandoff(options.query, sessionId, signal);
}

function mediaReport(r: CallerMediaResult, dtmf: MediaReport['dtmf']): MediaReport {
  const out: MediaReport = {
    packetsSent: r.packetsSent, packetsReceived: r.packetsReceived,
    heard: r.meter.heard, activeMs: r.meter.activeMs, peakDbfs: r.meter.peakDbfs, dtmf,
  };
  if (r.meter.tone !== undefined) out.tone = r.meter.tone;
  if (r.recording !== undefined) out.recording = { path: r.recording.path, durationMs: r.recording.durationMs };
  return out;
}

/** Milliseconds since `t0`, to 0.1 ms. */
function elapsedSince(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

function codeOf(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : fallback;
}
