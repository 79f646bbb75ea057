/**
 * Why a bot connection failed. Every failure is the catalogue's `agent_failed` (the call
 * then uses the agent's fallback outcome); `reason` tells them apart, for logs and tests.
 */
import { AgentlineError, ERRORS, withContext } from '../../obs/index.ts';

/** Ways a bot connection fails. */
export type BotFailure =
  /** The socket could not be opened (refused, DNS, TLS, upgrade answered non-101). */
  | 'bot_connect_failed'
  /** The socket did not open within `connectTimeoutMs`. */
  | 'bot_connect_timeout'
  /** The bot closed the socket, or it broke, before ending the call. */
  | 'bot_disconnected'
  /** The bot sent nothing for `idleTimeoutMs`. */
  | 'bot_idle_timeout'
  /** The bot sent more than `maxBadMessages` invalid messages. */
  | 'bot_protocol';

/** A bot connection failure: code `agent_failed`, with the {@link BotFailure} as `reason`. */
export class BotError extends AgentlineError {
  /**
   * @param reason what failed
   * @param context more context for the message (the bot's origin, a status…)
   */
  constructor(
    readonly reason: BotFailure,
    context: Readonly<Record<string, string | number>> = {},
    cause?: unknown,
  ) {
    const ctx = { reason, ...context };
    super('agent_failed', withContext(ERRORS.agent_failed.message, ctx), { context: ctx, ...(cause === undefined ? {} : { cause }) });
    this.name = 'BotError';
  }
}
