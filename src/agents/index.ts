/**
 * Public surface of the agents layer: the Agent contract and the built-in kinds.
 */
import { BuiltinAgent } from './builtin.ts';
import { AgentError } from './errors.ts';
import type { Agent, AgentFactory } from './types.ts';

export type * from './types.ts';
export { AgentError, AgentConfigError, type AgentErrorCode } from './errors.ts';
export {
  BuiltinAgent, BUILTIN_DEFAULT_WAIT_MS, DEMO_BUILTIN_CONFIG, parseBuiltinConfig, parseOutcome, type BuiltinConfig,
} from './builtin.ts';

/**
 * Makes an agent from its directory kind and config. Kinds today: `builtin`.
 * @throws AgentError `agent_kind_unknown`, AgentConfigError `agent_config_invalid`
 */
export const createAgent: AgentFactory = (kind, config): Agent => {
  switch (kind) {
    case 'builtin':
      return new BuiltinAgent(config);
    default:
      throw new AgentError('agent_kind_unknown', `no agent of this kind [kind:${kind}]`);
  }
};
