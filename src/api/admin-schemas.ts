/**
 * Schemas of the admin API that the admin service does not own: path parameters, the
 * small bodies of sub-resources, and the response shapes (for the OpenAPI document).
 * Request bodies of tenants, agents and keys are the admin service's own schemas.
 */
import { z } from 'zod';
import { destinationSchema, extensionSchema } from '../admin/index.ts';
import { errorSchema, REF_PATTERN } from './schemas.ts';
import type { ResponseSpec } from './route.ts';

const ref = (what: string) => z.string().regex(REF_PATTERN).describe(`${what}: id or slug.`);

/** `/tenants/:tenant`. */
export const tenantParams = z.object({ tenant: ref('Tenant') });
/** `/tenants/:tenant/agents/:agent`. */
export const agentParams = z.object({ tenant: ref('Tenant'), agent: ref('Agent') });
/** `/tenants/:tenant/agents/:agent/destinations/:destination`. */
export const destinationParams = agentParams.extend({
  destination: z.string().min(1).max(128).describe('The destination (URL-encoded).'),
});
/** `/tenants/:tenant/api-keys/:key`. */
export const apiKeyParams = z.object({
  tenant: ref('Tenant'),
  key: z.string().regex(REF_PATTERN).describe('API key id or display prefix.'),
});
/** `/calls/:id` and `/cdrs/:id`. */
export const callParams = z.object({ id: z.string().regex(REF_PATTERN).describe('Conversation id.') });

/** `PUT …/extension`. */
export const extensionBody = z.strictObject({ extension: extensionSchema });
/** `POST …/destinations`. */
export const destinationBody = z.strictObject({
  destination: destinationSchema,
  default: z.boolean().optional().describe('Also make it the agent\'s default destination.'),
});

/** A tenant. */
export const tenantSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.number().describe('Epoch ms.') });

/** An agent, without its token hash. */
export const agentSchema = z.object({
  id: z.string(), tenantId: z.string(), slug: z.string(), name: z.string(), kind: z.string(),
  config: z.record(z.string(), z.unknown()),
  extension: z.string().optional(), tokenPrefix: z.string().optional(),
  destinations: z.array(z.string()), defaultDestination: z.string().optional(),
  maxConcurrentCalls: z.number(), ringTimeMs: z.number(),
  fallback: z.object({ contained: z.boolean(), destination: z.string().optional() }),
  createdAt: z.number(),
});

/** A new or re-tokened agent: the token is shown this once. */
export const createdAgentSchema = z.object({ agent: agentSchema, token: z.string().describe('Shown once; stored hashed.') });

/** An API key, without its hash. */
export const apiKeySchema = z.object({
  id: z.string(), tenantId: z.string(), agentId: z.string().optional(), name: z.string(), prefix: z.string(),
  createdAt: z.number(), revokedAt: z.number().optional(),
});

/** A new API key: the key is shown this once. */
export const createdApiKeySchema = z.object({ apiKey: apiKeySchema, key: z.string().describe('Shown once; stored hashed.') });

/** A live call. */
export const liveCallSchema = z.object({
  conversationId: z.string(), sipCallId: z.string(), state: z.string(), trunk: z.string(),
  tenantId: z.string().optional(), agentId: z.string().optional(), sharedId: z.string().optional(), startedAt: z.number(),
});

/** A call detail record. */
export const callRecordSchema = z.looseObject({
  id: z.string(), tenantId: z.string().optional(), agentId: z.string().optional(), sharedId: z.string().optional(),
  sipCallId: z.string(), trunk: z.string(), from: z.string(), to: z.string(), outcome: z.string(),
  startedAt: z.number(), answeredAt: z.number().optional(), endedAt: z.number().optional(),
});

/** `{ items: [...] }` lists. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/** A page of CDRs. */
export const callPageSchema = z.object({
  items: z.array(callRecordSchema),
  nextCursor: z.string().optional().describe('Pass back as `cursor` for the next page; absent on the last page.'),
});

/** Error responses every admin route may give. */
export const ADMIN_ERRORS: Record<number, ResponseSpec> = {
  400: { description: 'Invalid input (bad JSON, unknown field, bad value, body too large).', schema: errorSchema('bad_request') },
  401: { description: 'Missing or wrong admin key.', schema: errorSchema('unauthorized') },
  404: { description: 'No such tenant, agent, key or call (or the admin API is off: no admin key configured).', schema: errorSchema('not_found') },
  409: { description: 'Conflict: slug or extension taken, or the change would leave the agent inconsistent.', schema: errorSchema('conflict') },
  503: { description: 'The store is unavailable.', schema: errorSchema('unavailable') },
};
