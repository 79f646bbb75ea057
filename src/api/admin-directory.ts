/**
 * The admin API's directory: tenants, agents (the SIP token is shown once, at creation and
 * rotation), extensions, destinations and Handoff API keys (shown once). Every operation
 * goes through the AdminService the CLI uses; its AdminErrors keep their codes.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { agentCreateSchema, agentUpdateSchema, apiKeyCreateSchema, tenantCreateSchema, type AdminService } from '../admin/index.ts';
import {
  ADMIN_ERRORS, agentParams, agentSchema, apiKeyParams, apiKeySchema, createdAgentSchema, createdApiKeySchema,
  destinationBody, destinationParams, extensionBody, listOf, tenantParams, tenantSchema,
} from './admin-schemas.ts';
import type { ResponseSpec, RouteSpec, RouteTable } from './route.ts';

/** URL prefix of the admin API. */
export const ADMIN_PREFIX = '/admin/v1';

const T = `${ADMIN_PREFIX}/tenants`;
const A = `${T}/:tenant/agents/:agent`;

function ok(description: string, schema: ResponseSpec['schema'], status = 200): Record<number, ResponseSpec> {
  return { [status]: { description, schema }, ...ADMIN_ERRORS };
}

const base = { tags: ['Admin: directory'], security: 'admin' } as const;

const specs = {
  createTenant: { ...base, method: 'POST', url: T, operationId: 'createTenant', summary: 'Create a tenant', body: tenantCreateSchema, handlerValidates: true, responses: ok('Created.', tenantSchema, 201) },
  listTenants: { ...base, method: 'GET', url: T, operationId: 'listTenants', summary: 'List tenants', responses: ok('Tenants, oldest first.', listOf(tenantSchema)) },
  getTenant: { ...base, method: 'GET', url: `${T}/:tenant`, operationId: 'getTenant', summary: 'Get a tenant', params: tenantParams, responses: ok('The tenant.', tenantSchema) },
  createAgent: {
    ...base, method: 'POST', url: `${T}/:tenant/agents`, operationId: 'createAgent', summary: 'Create an agent (its SIP token is shown once)',
    params: tenantParams, body: agentCreateSchema, handlerValidates: true, responses: ok('Created, with its token.', createdAgentSchema, 201),
  },
  listAgents: { ...base, method: 'GET', url: `${T}/:tenant/agents`, operationId: 'listAgents', summary: 'List a tenant\'s agents', params: tenantParams, responses: ok('Agents, oldest first.', listOf(agentSchema)) },
  getAgent: { ...base, method: 'GET', url: A, operationId: 'getAgent', summary: 'Get an agent', params: agentParams, responses: ok('The agent.', agentSchema) },
  updateAgent: {
    ...base, method: 'PATCH', url: A, operationId: 'updateAgent', summary: 'Change an agent (null clears extension or defaultDestination)',
    params: agentParams, body: agentUpdateSchema, handlerValidates: true, responses: ok('The agent.', agentSchema),
  },
  rotateToken: {
    ...base, method: 'POST', url: `${A}/token`, operationId: 'rotateAgentToken', summary: 'Replace an agent\'s SIP token (shown once)',
    params: agentParams, responses: ok('The agent and its new token; the old token stops routing at once.', createdAgentSchema),
  },
  setExtension: {
    ...base, method: 'PUT', url: `${A}/extension`, operationId: 'setExtension', summary: 'Set the extension that reaches an agent',
    params: agentParams, body: extensionBody, responses: ok('The agent.', agentSchema),
  },
  unsetExtension: { ...base, method: 'DELETE', url: `${A}/extension`, operationId: 'unsetExtension', summary: 'Remove an agent\'s extension', params: agentParams, responses: ok('The agent.', agentSchema) },
  addDestination: {
    ...base, method: 'POST', url: `${A}/destinations`, operationId: 'addDestination', summary: 'Add a destination (optionally the default)',
    params: agentParams, body: destinationBody, responses: ok('The agent.', agentSchema),
  },
  removeDestination: {
    ...base, method: 'DELETE', url: `${A}/destinations/:destination`, operationId: 'removeDestination', summary: 'Remove a destination',
    params: destinationParams, responses: ok('The agent.', agentSchema),
  },
  createApiKey: {
    ...base, method: 'POST', url: `${T}/:tenant/api-keys`, operationId: 'createApiKey', summary: 'Create a Handoff API key (shown once)',
    params: tenantParams, body: apiKeyCreateSchema, handlerValidates: true, responses: ok('Created, with the key.', createdApiKeySchema, 201),
  },
  listApiKeys: { ...base, method: 'GET', url: `${T}/:tenant/api-keys`, operationId: 'listApiKeys', summary: 'List a tenant\'s API keys (prefixes only)', params: tenantParams, responses: ok('Keys, revoked ones too.', listOf(apiKeySchema)) },
  revokeApiKey: {
    ...base, method: 'DELETE', url: `${T}/:tenant/api-keys/:key`, operationId: 'revokeApiKey', summary: 'Revoke an API key (idempotent)',
    params: apiKeyParams, responses: ok('The revoked key.', apiKeySchema),
  },
} as const satisfies Record<string, RouteSpec>;

/** Registers the directory routes behind `auth`. */
export function registerAdminDirectory(app: FastifyInstance, table: RouteTable, admin: AdminService, auth: onRequestHookHandler): void {
  const hooks = [auth];
  table.add(app, specs.createTenant, async ({ rawBody, reply }) => reply.code(201).send(await admin.createTenant(rawBody ?? {})), hooks);
  table.add(app, specs.listTenants, async () => ({ items: await admin.listTenants() }), hooks);
  table.add(app, specs.getTenant, ({ params }) => admin.getTenant(params.tenant), hooks);
  table.add(app, specs.createAgent, async ({ params, rawBody, reply }) => reply.code(201).send(await admin.createAgent(params.tenant, rawBody ?? {})), hooks);
  table.add(app, specs.listAgents, async ({ params }) => ({ items: await admin.listAgents(params.tenant) }), hooks);
  table.add(app, specs.getAgent, ({ params }) => admin.getAgent(params.tenant, params.agent), hooks);
  table.add(app, specs.updateAgent, ({ params, rawBody }) => admin.updateAgent(params.tenant, params.agent, rawBody ?? {}), hooks);
  table.add(app, specs.rotateToken, ({ params }) => admin.rotateToken(params.tenant, params.agent), hooks);
  table.add(app, specs.setExtension, ({ params, body }) => admin.setExtension(params.tenant, params.agent, body.extension), hooks);
  table.add(app, specs.unsetExtension, ({ params }) => admin.unsetExtension(params.tenant, params.agent), hooks);
  table.add(app, specs.addDestination, ({ params, body }) =>
    admin.addDestination(params.tenant, params.agent, body.destination, body.default ?? false), hooks);
  table.add(app, specs.removeDestination, ({ params }) => admin.removeDestination(params.tenant, params.agent, params.destination), hooks);
  table.add(app, specs.createApiKey, async ({ params, rawBody, reply }) => reply.code(201).send(await admin.createApiKey(params.tenant, rawBody ?? {})), hooks);
  table.add(app, specs.listApiKeys, async ({ params }) => ({ items: await admin.listApiKeys(params.tenant) }), hooks);
  table.add(app, specs.revokeApiKey, ({ params }) => admin.revokeApiKey(params.tenant, params.key), hooks);
}
