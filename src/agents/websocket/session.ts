/**
 * One call streamed to one bot (docs/websocket-protocol.md): connect out, send `start`,
 * then caller audio and digits to the bot and the bot's audio, clears and marks to the
 * call, until the bot hands off or hangs up (resolve), or the connection fails (reject:
 * the call uses the agent's fallback outcome).
 *
 * The caller hanging up (the signal aborts) sends `stop` and gives the bot `stopGraceMs`
 * to send its `handoff`/`hangup` (so its data still reaches the record); after that, or
 * when the bot closes, the run resolves `{ contained: true, data: { ended_early: true } }`.
 */
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../../obs/index.ts';
import type { AgentRuntime } from '../flow/runtime.ts';
import type { AgentContext, AgentMedia, Outcome } from '../types.ts';
import { InboundAudio, OutboundAudio, type InboundStats, type OutboundStats } from './audio.ts';
import { botOrigin, upgradeHeaders, type WebSocketAgentConfig } from './config.ts';
import { BotError } from './errors.ts';
import {
  dtmfMessage, markMessage, parseBotMessage, startMessage, stopMessage, type BotMessage, type StopReason,
} from './protocol.ts';
import type { CallSignal } from '../signal.ts';

/** Counters of one session. */
export interface SessionStats {
  outbound: OutboundStats;
  inbound: InboundStats;
  /** Invalid bot messages (logged and ignored). */
  badMessages: number;
  /** True when binary media frames were negotiated. */
  binary: boolean;
}

/** Bad messages logged at `warn`; later ones at `debug`, so a broken bot cannot flood the log. */
const WARN_BAD_MESSAGES = 5;

/** Runs one call against one bot; see the module comment. */
export class BotSession {
  private ws: WebSocket | undefined;
  private outbound: OutboundAudio | undefined;
  private readonly inbound: InboundAudio;
  private readonly log: Logger;
  private readonly bot: string;
  private opened = false;
  private settled = false;
  private stopping = false;
  private binary = false;
  private badMessages = 0;
  private lastHeard = 0;
  private readonly handles = new Map<'connect' | 'idle' | 'grace', unknown>();
  private readonly undo: Array<() => void> = [];
  private resolve: (o: Outcome) => void = () => undefined;
  private reject: (e: unknown) => void = () => undefined;

  constructor(
    private readonly config: WebSocketAgentConfig,
    private readonly ctx: AgentContext,
    private readonly media: AgentMedia,
    private readonly signal: CallSignal,
    private readonly rt: AgentRuntime,
  ) {
    this.bot = botOrigin(config.url);
    this.log = rt.logger.child({ bot: this.bot });
    this.inbound = new InboundAudio(media, config.maxQueuedAudioMs);
  }

  /** Counters so far. */
  get stats(): SessionStats {
    const outbound = this.outbound?.stats ?? { sent: 0, dropped: 0 };
    return { outbound: { ...outbound }, inbound: this.inbound.stats, badMessages: this.badMessages, binary: this.binary };
  }

  /**
   * Connects and runs the call.
   * @throws BotError (`agent_failed`) on connect failure or timeout, disconnect, idle bot, protocol abuse
   */
  run(): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      if (this.signal.aborted) {
        this.succeed(callerHangup(), null);
        return;
      }
      const onAbort = (): void => this.onAbort();
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.undo.push(() => this.signal.removeEventListener('abort', onAbort));
      this.connect();
    });
  }

  private connect(): void {
    const ws = new WebSocket(this.config.url, {
      headers: upgradeHeaders(this.config),
      maxPayload: this.config.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.outbound = new OutboundAudio(ws, this.config.maxBufferedBytes);
    ws.on('open', () => this.onOpen());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (err) => this.onBroken(err));
    ws.on('close', (code) => this.onBroken(undefined, code));
    this.setTimer('connect', this.config.connectTimeoutMs, () => {
      this.fail(new BotError('bot_connect_timeout', { bot: this.bot, ms: this.config.connectTimeoutMs }));
    });
  }

  private onOpen(): void {
    if (this.settled) return;
    this.opened = true;
    this.clearTimer('connect');
    this.log.info('bot connected');
    this.send(startMessage(this.ctx, this.config.binary));
    this.undo.push(this.media.onDtmf((digit) => this.send(dtmfMessage(digit))));
    this.undo.push(this.media.onAudio((frame) => this.outbound?.push(frame)));
    this.heard();
    this.armIdle(this.config.idleTimeoutMs);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.settled) return;
    const bytes = toBuffer(data);
    if (isBinary) {
      if (!this.binary) {
        this.bad('binary frame before binary media was negotiated');
        return;
      }
      this.heard();
      if (!this.stopping) this.inbound.push(bytes);
      return;
    }
    const parsed = parseBotMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.bad(parsed.reason);
      return;
    }
    this.heard();
    this.handle(parsed.message);
  }

  /** Acts on one valid bot message. While stopping, only the end of the call matters. */
  private handle(m: BotMessage): void {
    switch (m.event) {
      case 'handoff': {
        const { contained, destination, data } = m.handoff;
        const out: Outcome = { contained };
        if (destination !== undefined) out.destination = destination;
        if (data !== undefined) out.data = data;
        this.succeed(out, 'handoff');
        return;
      }
      case 'hangup':
        this.succeed({ contained: true, ...(m.hangup?.data === undefined ? {} : { data: m.hangup.data }) }, 'hangup');
        return;
      default:
        if (!this.stopping) this.handleLive(m);
    }
  }

  private handleLive(m: BotMessage): void {
    switch (m.event) {
      case 'connected':
        if (m.connected?.binary === true && this.config.binary) {
          this.binary = true;
          if (this.outbound) this.outbound.binary = true;
        }
        return;
      case 'media':
        this.inbound.push(Buffer.from(m.media.payload, 'base64'));
        return;
      case 'clear':
        this.media.stop();
        return;
      case 'mark': {
        const { name } = m.mark;
        this.media.mark().then(
          (r) => this.send(markMessage(name, r.completed)),
          () => this.send(markMessage(name, false)),
        );
        return;
      }
      default:
        return; // keepalive: hearing it was the point
    }
  }

  private bad(reason: string): void {
    this.badMessages++;
    const level = this.badMessages <= WARN_BAD_MESSAGES ? 'warn' : 'debug';
    this.log[level]({ reason, count: this.badMessages }, 'invalid bot message ignored');
    if (this.badMessages > this.config.maxBadMessages) {
      this.fail(new BotError('bot_protocol', { bot: this.bot, bad: this.badMessages, last: reason }));
    }
  }

  /** The socket broke or closed under us. */
  private onBroken(err: Error | undefined, code?: number): void {
    if (this.settled) return;
    if (this.stopping) {
      this.succeed(callerHangup(), null);
      return;
    }
    const context = { bot: this.bot, ...(code === undefined ? {} : { close: code }), ...(err ? { error: err.message } : {}) };
    this.fail(new BotError(this.opened ? 'bot_disconnected' : 'bot_connect_failed', context, err));
  }

  private onAbort(): void {
    if (this.settled) return;
    if (!this.opened) {
      this.succeed(callerHangup(), null);
      return;
    }
    this.stopping = true;
    this.send(stopMessage('caller_hangup'));
    this.setTimer('grace', this.config.stopGraceMs, () => this.succeed(callerHangup(), null));
  }

  private heard(): void {
    this.lastHeard = this.rt.timers.now();
  }

  /** Fails when the bot was quiet for `idleTimeoutMs`; one timer, re-armed lazily. */
  private armIdle(ms: number): void {
    if (this.config.idleTimeoutMs === 0) return;
    this.setTimer('idle', ms, () => {
      const quiet = this.rt.timers.now() - this.lastHeard;
      if (quiet < this.config.idleTimeoutMs) {
        this.armIdle(this.config.idleTimeoutMs - quiet);
        return;
      }
      if (this.stopping) return; // the grace timer ends the run
      this.fail(new BotError('bot_idle_timeout', { bot: this.bot, ms: this.config.idleTimeoutMs }));
    });
  }

  private succeed(outcome: Outcome, reason: StopReason | null): void {
    if (this.settled) return;
    this.settled = true;
    if (reason !== null && !this.stopping) this.send(stopMessage(reason));
    this.close(1000);
    this.log.info({ contained: outcome.contained, destination: outcome.destination, stats: this.stats }, 'bot session ended');
    this.resolve(outcome);
  }

  private fail(err: BotError): void {
    if (this.settled) return;
    this.settled = true;
    if (!this.stopping) this.send(stopMessage('error'));
    this.close(1011);
    this.log.warn({ err, stats: this.stats }, 'bot session failed');
    this.reject(err);
  }

  /** Stops timers and subscriptions and closes the socket. */
  private close(code: number): void {
    for (const h of this.handles.values()) this.rt.timers.clear(h);
    this.handles.clear();
    for (const u of this.undo.splice(0)) u();
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }

  private send(text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  private setTimer(name: 'connect' | 'idle' | 'grace', ms: number, fn: () => void): void {
    this.clearTimer(name);
    this.handles.set(name, this.rt.timers.set(() => {
      this.handles.delete(name);
      fn();
    }, ms));
  }

  private clearTimer(name: 'connect' | 'idle' | 'grace'): void {
    const h = this.handles.get(name);
    if (h !== undefined) this.rt.timers.clear(h);
    this.handles.delete(name);
  }
}

/** The outcome when the caller hung up and the bot said nothing more. */
function callerHangup(): Outcome {
  return { contained: true, data: { ended_early: true } };
}

/** A `ws` message as one Buffer. */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
