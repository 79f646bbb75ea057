/**
 * The WebSocket agent (kind `websocket`): bridges the call to a bot over a WebSocket it
 * opens to the bot's URL (docs/websocket-protocol.md), so that any AI stack can be an agent.
 */
import { agentRuntime, type AgentRuntime, type AgentRuntimeOptions } from '../flow/runtime.ts';
import type { Agent, AgentContext, AgentMedia, Outcome } from '../types.ts';
import { parseWebSocketConfig, type WebSocketAgentConfig } from './config.ts';
import { BotSession, type SessionStats } from './session.ts';
import type { CallSignal } from '../signal.ts';

/** See the module comment. One instance serves one call (as every agent). */
export class WebSocketAgent implements Agent {
  /** The checked configuration. */
  readonly config: WebSocketAgentConfig;
  private readonly rt: AgentRuntime;
  private session: BotSession | undefined;

  /**
   * @param config the directory's agent config; see {@link WebSocketAgentConfig}
   * @throws AgentConfigError (`agent_config_invalid`) naming the field at fault
   */
  constructor(config: Readonly<Record<string, unknown>>, options: AgentRuntimeOptions = {}) {
    this.config = parseWebSocketConfig(config);
    this.rt = agentRuntime(options);
  }

  /** Counters of the last run (media sent and dropped both ways, bad messages), if any. */
  get stats(): SessionStats | undefined {
    return this.session?.stats;
  }

  /**
   * Streams the call to the bot until it hands off or hangs up.
   * @throws BotError (`agent_failed`, with a `reason`) when the bot cannot be reached or fails
   */
  run(ctx: AgentContext, media: AgentMedia, signal: CallSignal): Promise<Outcome> {
    this.session = new BotSession(this.config, ctx, media, signal, this.rt);
    return this.session.run();
  }
}
