/**
 * The admin service: every directory and record operation the CLI and the admin HTTP
 * API offer, over one Store. Inputs are validated here with the schemas of
 * `schemas.ts`; failures are AdminErrors with stable codes (`bad_request`, `not_found`,
 * `conflict`). Secrets (agent tokens, API keys) are generated here, returned once, and
 * stored hashed; no answer ever carries a hash.
 */
import { displayPrefix, generateApiKey, generateToken, hashApiKey, hashToken } from '../routing/index.ts';
import type { Agent, ApiKey, CallQuery, CallRecord, Store, Tenant } from '../store/index.ts';
import { AdminError, guardStore } from './errors.ts';
import {
  agentView, apiKeyView, checkConfig, checkDestinations, mergeAgent, newAgentInput, toAgentPatch,
} from './rules.ts';
import {
  agentCreateSchema, agentUpdateSchema, apiKeyCreateSchema, callQuerySchema, destinationSchema, extensionSchema,
  parseInput, refSchema, tenantCreateSchema,
} from './schemas.ts';
import type {
  AdminServiceOptions, AgentView, ApiKeyView, CallsPage, CreatedAgent, CreatedApiKey, DirectoryChange,
} from './types.ts';

/** Tenants, agents, extensions, destinations, API keys and call records. */
export class AdminService {
  readonly #store: Store;
  readonly #options: AdminServiceOptions;

  /** @param options the store, and the directory-change listener */
  constructor(options: AdminServiceOptions) {
    this.#store = options.store;
    this.#options = options;
  }

  // --- tenants ---------------------------------------------------------------------

  /** Creates a tenant. @throws AdminError `bad_request` (slug), `conflict` (slug taken) */
  async createTenant(input: unknown): Promise<Tenant> {
    const { slug, name } = parseInput(tenantCreateSchema, input, 'tenant');
    const tenant = await guardStore(() => this.#store.createTenant({ slug, name: name ?? slug }));
    this.#emit({ entity: 'tenant', action: 'created', id: tenant.id, tenantId: tenant.id });
    return tenant;
  }

  /** All tenants, oldest first. */
  listTenants(): Promise<Tenant[]> {
    return this.#store.listTenants();
  }

  /** A tenant by id or slug. @throws AdminError `not_found` */
  async getTenant(ref: string): Promise<Tenant> {
    const key = parseInput(refSchema, ref, 'tenant reference');
    const tenant = await this.#store.findTenant(key);
    if (!tenant) throw new AdminError('not_found', `unknown tenant [tenant:${key}]`);
    return tenant;
  }

  // --- agents ----------------------------------------------------------------------

  /**
   * Creates an agent with a new SIP token (returned this once, stored hashed).
   * @throws AdminError `not_found` (tenant), `bad_request`, `conflict` (slug in tenant, extension)
   */
  async createAgent(tenantRef: string, input: unknown): Promise<CreatedAgent> {
    const tenant = await this.getTenant(tenantRef);
    const parsed = parseInput(agentCreateSchema, input, 'agent');
    checkDestinations({ ...parsed, fallback: parsed.fallback });
    checkConfig(this.#options.validateAgentConfig, parsed.kind, parsed.config as Agent['config']);
    const token = generateToken();
    const agent = await guardStore(() => this.#store.createAgent(
      newAgentInput(tenant.id, parsed, { hash: hashToken(token), prefix: displayPrefix(token) }),
    ));
    this.#emit({ entity: 'agent', action: 'created', id: agent.id, tenantId: tenant.id });
    return { agent: agentView(agent), token };
  }

  /** A tenant's agents, oldest first, without token hashes. @throws AdminError `not_found` */
  async listAgents(tenantRef: string): Promise<AgentView[]> {
    const tenant = await this.getTenant(tenantRef);
    return (await this.#store.listAgents(tenant.id)).map(agentView);
  }

  /** One agent, by id or slug within its tenant. @throws AdminError `not_found` */
  async getAgent(tenantRef: string, agentRef: string): Promise<AgentView> {
    return agentView(await this.#findAgent(tenantRef, agentRef));
  }

  /**
   * Changes an agent (absent = unchanged, `null` clears `extension`/`defaultDestination`).
   * @throws AdminError `not_found`, `bad_request`, `conflict`
   */
  async updateAgent(tenantRef: string, agentRef: string, patch: unknown): Promise<AgentView> {
    const agent = await this.#findAgent(tenantRef, agentRef);
    const parsed = parseInput(agentUpdateSchema, patch, 'agent update');
    const merged = mergeAgent(agent, parsed);
    checkDestinations(merged);
    if (parsed.kind !== undefined || parsed.config !== undefined) checkConfig(this.#options.validateAgentConfig, merged.kind, merged.config);
    return this.#patch(agent, toAgentPatch(parsed));
  }

  /** Replaces the agent's token; the old one stops routing at once. @throws AdminError `not_found` */
  async rotateToken(tenantRef: string, agentRef: string): Promise<CreatedAgent> {
    const agent = await this.#findAgent(tenantRef, agentRef);
    const token = generateToken();
    const updated = await guardStore(() => this.#store.setAgentToken(agent.id, hashToken(token), displayPrefix(token)));
    this.#emit({ entity: 'agent', action: 'token_rotated', id: agent.id, tenantId: agent.tenantId });
    return { agent: agentView(updated), token };
  }

  /** Sets the extension that reaches the agent. @throws AdminError `not_found`, `bad_request`, `conflict` (taken) */
  async setExtension(tenantRef: string, agentRef: string, extension: string): Promise<AgentView> {
    const value = parseInput(extensionSchema, extension, 'extension');
    return this.#patch(await this.#findAgent(tenantRef, agentRef), { extension: value });
  }

  /** Removes the agent's extension (it stays reachable by token). @throws AdminError `not_found` */
  async unsetExtension(tenantRef: string, agentRef: string): Promise<AgentView> {
    return this.#patch(await this.#findAgent(tenantRef, agentRef), { extension: null });
  }

  /**
   * Adds a destination (no-op when present); `makeDefault` also makes it the default.
   * @throws AdminError `not_found`, `bad_request`
   */
  async addDestination(tenantRef: string, agentRef: string, destination: string, makeDefault = false): Promise<AgentView> {
    const value = parseInput(destinationSchema, destination, 'destination');
    const agent = await this.#findAgent(tenantRef, agentRef);
    const destinations = agent.destinations.includes(value) ? agent.destinations : [...agent.destinations, value];
    return this.#patch(agent, { destinations, ...(makeDefault ? { defaultDestination: value } : {}) });
  }

  /**
   * Removes a destination.
   * @throws AdminError `not_found` (agent or destination), `conflict` (it is the default or fallback destination)
   */
  async removeDestination(tenantRef: string, agentRef: string, destination: string): Promise<AgentView> {
    const agent = await this.#findAgent(tenantRef, agentRef);
    const ctx = `[agent:${agent.slug}, destination:${destination}]`;
    if (!agent.destinations.includes(destination)) throw new AdminError('not_found', `unknown destination ${ctx}`);
    if (agent.defaultDestination === destination || agent.fallback.destination === destination) {
      throw new AdminError('conflict', `destination is the agent's default or fallback; change those first ${ctx}`);
    }
    return this.#patch(agent, { destinations: agent.destinations.filter((d) => d !== destination) });
  }

  // --- API keys --------------------------------------------------------------------

  /**
   * Creates a Handoff API key scoped to the tenant, or to one agent (`input.agent`).
   * The key is returned this once and stored hashed.
   * @throws AdminError `not_found` (tenant, agent), `bad_request`
   */
  async createApiKey(tenantRef: string, input: unknown = {}): Promise<CreatedApiKey> {
    const tenant = await this.getTenant(tenantRef);
    const parsed = parseInput(apiKeyCreateSchema, input, 'API key');
    const agent = parsed.agent === undefined ? undefined : await this.#findAgent(tenant.id, parsed.agent);
    const key = generateApiKey();
    const created = await guardStore(() => this.#store.createApiKey({
      tenantId: tenant.id, name: parsed.name ?? (agent ? agent.slug : 'key'),
      keyHash: hashApiKey(key), prefix: displayPrefix(key), ...(agent ? { agentId: agent.id } : {}),
    }));
    this.#emit({ entity: 'api_key', action: 'created', id: created.id, tenantId: tenant.id });
    return { apiKey: apiKeyView(created), key };
  }

  /** A tenant's keys (revoked ones too), oldest first, prefix only. @throws AdminError `not_found` */
  async listApiKeys(tenantRef: string): Promise<ApiKeyView[]> {
    const tenant = await this.getTenant(tenantRef);
    return (await this.#store.listApiKeys(tenant.id)).map(apiKeyView);
  }

  /**
   * Revokes a key, named by its id or its display prefix; idempotent.
   * @throws AdminError `not_found`, `conflict` (a prefix that names several keys)
   */
  async revokeApiKey(tenantRef: string, keyRef: string): Promise<ApiKeyView> {
    const tenant = await this.getTenant(tenantRef);
    const ref = parseInput(refSchema, keyRef, 'API key reference');
    const key = await this.#findApiKey(tenant, ref);
    const revoked = await guardStore(() => this.#store.revokeApiKey(tenant.id, key.id));
    this.#emit({ entity: 'api_key', action: 'revoked', id: key.id, tenantId: tenant.id });
    return apiKeyView(revoked);
  }

  // --- calls -----------------------------------------------------------------------

  /**
   * Call records (CDRs), newest first, filtered; pass `nextCursor` back as `cursor`.
   * @throws AdminError `bad_request` (filters, cursor), `not_found` (tenant, agent)
   */
  async listCalls(input: unknown = {}): Promise<CallsPage> {
    const q = parseInput(callQuerySchema, input, 'call query');
    const query: CallQuery = {};
    if (q.tenant !== undefined) query.tenantId = (await this.getTenant(q.tenant)).id;
    if (q.agent !== undefined) query.agentId = (await this.#agentForQuery(query.tenantId, q.agent)).id;
    if (q.since !== undefined) query.since = q.since;
    if (q.until !== undefined) query.until = q.until;
    if (q.outcome !== undefined) query.outcome = q.outcome;
    if (q.cursor !== undefined) query.cursor = q.cursor;
    if (q.limit !== undefined) query.limit = q.limit;
    return guardStore(() => this.#store.listCalls(query));
  }

  /**
   * One call record; with `tenantRef`, a call of another tenant answers `not_found`.
   * @throws AdminError `not_found`
   */
  async getCall(id: string, tenantRef?: string): Promise<CallRecord> {
    const key = parseInput(refSchema, id, 'call id');
    const call = await this.#store.getCall(key);
    const tenantId = tenantRef === undefined ? undefined : (await this.getTenant(tenantRef)).id;
    if (!call || (tenantId !== undefined && call.tenantId !== tenantId)) throw new AdminError('not_found', `unknown call [call:${key}]`);
    return call;
  }

  // --- helpers ---------------------------------------------------------------------

  async #findAgent(tenantRef: string, agentRef: string): Promise<Agent> {
    const tenant = await this.getTenant(tenantRef);
    const ref = parseInput(refSchema, agentRef, 'agent reference');
    const agent = await this.#store.findAgent(tenant.id, ref);
    if (!agent) throw new AdminError('not_found', `unknown agent [tenant:${tenant.slug}, agent:${ref}]`);
    return agent;
  }

  /** Within a tenant by id or slug; without one, by id only (slugs repeat across tenants). */
  async #agentForQuery(tenantId: string | undefined, ref: string): Promise<Agent> {
    if (tenantId !== undefined) return this.#findAgent(tenantId, ref);
    const agent = await this.#store.getAgent(ref);
    if (!agent) throw new AdminError('not_found', `unknown agent id (give --tenant to name an agent by slug) [agent:${ref}]`);
    return agent;
  }

  async #findApiKey(tenant: Tenant, ref: string): Promise<ApiKey> {
    const keys = await this.#store.listApiKeys(tenant.id);
    const byId = keys.find((k) => k.id === ref);
    if (byId) return byId;
    const byPrefix = keys.filter((k) => k.prefix === ref);
    if (byPrefix.length > 1) throw new AdminError('conflict', `several keys have this prefix; use the key id [tenant:${tenant.slug}, key:${ref}]`);
    const [only] = byPrefix;
    if (!only) throw new AdminError('not_found', `unknown API key [tenant:${tenant.slug}, key:${ref}]`);
    return only;
  }

  async #patch(agent: Agent, patch: Parameters<Store['updateAgent']>[1]): Promise<AgentView> {
    const updated = await guardStore(() => this.#store.updateAgent(agent.id, patch));
    this.#emit({ entity: 'agent', action: 'updated', id: agent.id, tenantId: agent.tenantId });
    return agentView(updated);
  }

  /** Tells the listener; its errors never undo or fail the committed change. */
  #emit(change: DirectoryChange): void {
    try {
      this.#options.onDirectoryChange?.(change);
    } catch (err) {
      this.#options.logger?.warn({ err, change }, 'directory change listener failed');
    }
  }
}
