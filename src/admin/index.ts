/**
 * Public surface of the admin layer: the service shared by the CLI and the admin HTTP
 * API, its input schemas (also for the OpenAPI document) and its typed errors.
 */
export { AdminService } from './service.ts';
export { ADMIN_HTTP_STATUS, AdminError, fromStoreError, guardStore, isAdminError } from './errors.ts';
export type { AdminErrorCode } from './errors.ts';
export {
  AGENT_KINDS, MAX_AGENT_CALLS, MAX_RING_MS, agentCreateSchema, agentUpdateSchema, apiKeyCreateSchema, callQuerySchema,
  destinationSchema, extensionSchema, fallbackSchema, jsonObjectSchema, parseInput, refSchema, slugSchema, tenantCreateSchema,
  timeSchema,
} from './schemas.ts';
export type { AgentCreate, AgentKind, AgentUpdate, ApiKeyCreate, CallQueryInput, TenantCreate } from './schemas.ts';
export type * from './types.ts';
