/**
 * Errors of the agents layer, with stable codes (STYLE.md principle 4).
 */

/** Stable codes of the agents layer. */
export type AgentErrorCode = 'agent_config_invalid' | 'agent_kind_unknown';

/** A typed agents error; `code` is stable, `message` carries context in brackets. */
export class AgentError extends Error {
  override readonly name: string = 'AgentError';

  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An agent's configuration has the wrong shape. */
export class AgentConfigError extends AgentError {
  override readonly name = 'AgentConfigError';

  constructor(message: string) {
    super('agent_config_invalid', message);
  }
}
