/**
 * Public types of the admin service: what it returns (views without secrets or their
 * hashes), what it announces (directory changes) and how it is built.
 */
import type { Logger } from '../obs/index.ts';
import type { Agent, ApiKey, CallPage, JsonObject, Store } from '../store/index.ts';

/** An agent as the admin layer shows it: never the token hash (only `tokenPrefix`). */
export type AgentView = Omit<Agent, 'tokenHash'>;

/** An API key as the admin layer shows it: never the key hash (only `prefix`). */
export type ApiKeyView = Omit<ApiKey, 'keyHash'>;

/** A new agent and its SIP token. The token is shown this once; only its hash is stored. */
export interface CreatedAgent {
  agent: AgentView;
  /** `alt_…`; the trunk sends it in `X-PolyAi-Auth-Token`. */
  token: string;
}

/** A new API key. The key is shown this once; only its hash is stored. */
export interface CreatedApiKey {
  apiKey: ApiKeyView;
  /** `alk_…`; Handoff API clients send it as `x-api-key`. */
  key: string;
}

/** A page of call records (CDRs), newest first. */
export type CallsPage = CallPage;

/** What changed in the directory (tenants, agents, keys). */
export interface DirectoryChange {
  entity: 'tenant' | 'agent' | 'api_key';
  action: 'created' | 'updated' | 'token_rotated' | 'revoked';
  /** Id of the changed entity. */
  id: string;
  tenantId: string;
}

/** Listener for directory changes (e.g. invalidate the gateway's router cache). */
export type DirectoryChangeListener = (change: DirectoryChange) => void;

/**
 * Checks an agent's kind-specific configuration (the agents layer owns those rules; the
 * composition root injects them). Throw to refuse; the message becomes a `bad_request`.
 */
export type AgentConfigValidator = (kind: string, config: JsonObject) => void;

/** Options of `AdminService`. */
export interface AdminServiceOptions {
  /** The directory and records; the service does not close it. */
  store: Store;
  /** Called after each committed directory change; listener errors are logged and ignored. */
  onDirectoryChange?: DirectoryChangeListener;
  /** Kind-specific config check. Default: none (any JSON object). */
  validateAgentConfig?: AgentConfigValidator;
  /** For listener failures. Default: silent. */
  logger?: Logger;
}
