/**
 * Public surface of the API layer: the HTTP server (Handoff API, admin API, health,
 * metrics, OpenAPI) and the narrow interfaces the composition root fills in.
 */
export { createApiServer, DEFAULT_BODY_LIMIT, DEFAULT_MAX_URL_LENGTH, MAX_PARAM_LENGTH, type ApiServer } from './server.ts';
export type { ApiDeps, ApiSettings, LiveCallRegistry, RateLimitSettings, ReadinessCheck } from './types.ts';
export { liveCallRegistry } from './live-calls.ts';
export { HANDOFF_ROUTE, handoffSpec, renderRecord } from './handoff.ts';
export { ADMIN_PREFIX } from './admin-directory.ts';
export { buildOpenApi, type OpenApiDocument } from './openapi.ts';
export { API_VERSION } from './ops.ts';
