/**
 * Public surface of the agents layer: the Agent contract and the agent kinds —
 * `builtin`, `flow` (declarative YAML flows) and `websocket` (a bridge to a bot).
 */
import { BuiltinAgent } from './builtin.ts';
import { AgentError } from './errors.ts';
import { FlowAgent } from './flow/agent.ts';
import type { AgentRuntimeOptions } from './flow/runtime.ts';
import type { Agent } from './types.ts';
import { WebSocketAgent } from './websocket/agent.ts';

export type * from './types.ts';
export { AgentError, AgentConfigError, type AgentErrorCode } from './errors.ts';
export { CallAbort, type AbortListener, type CallSignal } from './signal.ts';
export {
  BuiltinAgent, BUILTIN_DEFAULT_WAIT_MS, DEMO_BUILTIN_CONFIG, parseBuiltinConfig, parseOutcome, type BuiltinConfig,
} from './builtin.ts';
export {
  DEMO_FLOW, DEMO_FLOW_CONFIG, FlowAgent, FlowConfigError, REAL_TIMERS, agentRuntime, flowFromConfig, loadFlowFile, parseFlow,
  type AgentRuntime, type AgentRuntimeOptions, type Flow, type FlowStep,
} from './flow/index.ts';
export {
  BotError, MEDIA_FORMAT, PROTOCOL_VERSION, WebSocketAgent, parseWebSocketConfig,
  type BotFailure, type SessionStats, type WebSocketAgentConfig,
} from './websocket/index.ts';

/** Agent kinds {@link createAgent} makes. */
export const AGENT_KINDS = ['builtin', 'flow', 'websocket'] as const;

/**
 * Makes an agent from its directory kind and config (an `AgentFactory`, with optional
 * host services: pass the call's child logger; timers default to real time).
 * @param kind `builtin`, `flow` or `websocket`
 * @throws AgentError `agent_kind_unknown`, AgentConfigError `agent_config_invalid`
 */
export function createAgent(kind: string, config: Readonly<Record<string, unknown>>, options: AgentRuntimeOptions = {}): Agent {
  switch (kind) {
    case 'builtin':
      return new BuiltinAgent(config);
    case 'flow':
      return new FlowAgent(config, options);
    case 'websocket':
      return new WebSocketAgent(config, options);
    default:
      throw new AgentError('agent_kind_unknown', `no agent of this kind [kind:${kind}] (known: ${AGENT_KINDS.join(', ')})`);
  }
}
