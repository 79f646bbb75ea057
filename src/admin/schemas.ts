/**
 * The admin boundary (STYLE.md principle 8): zod schemas for every input of the admin
 * service. The CLI and the admin HTTP API parse with these, and the API can turn them
 * into its OpenAPI document (`z.toJSONSchema(schema, { io: 'input' })`).
 */
import { z } from 'zod';
import { SLUG_PATTERN } from '../store/index.ts';
import { AdminError } from './errors.ts';

/** Agent kinds the admin layer accepts. */
export const AGENT_KINDS = ['builtin', 'flow', 'websocket'] as const;
/** One of {@link AGENT_KINDS}. */
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Largest `maxConcurrentCalls` accepted. */
export const MAX_AGENT_CALLS = 1_000_000;
/** Largest `ringTimeMs` accepted, ms (two minutes: a trunk gives up long before). */
export const MAX_RING_MS = 120_000;

/** Tenant and agent slugs: `[a-z0-9-]{1,64}`. */
export const slugSchema = z.string().regex(SLUG_PATTERN, { error: 'expected a slug of 1-64 characters [a-z0-9-]' });

/** A reference to a tenant, agent or key: its id or its slug. */
export const refSchema = z.string().min(1, { error: 'must not be empty' }).max(128);

/** Request-URI user part reaching an agent: digits and the URI-safe characters trunks dial. */
export const extensionSchema = z.string().regex(/^[0-9A-Za-z+*#._-]{1,64}$/, {
  error: 'expected 1-64 characters of [0-9A-Za-z+*#._-]',
});

/**
 * A logical destination (sent as the `X-destination` header value): 1-128 printable
 * characters, no control characters (they would break the SIP header), no comma (lists
 * of destinations stay unambiguous), no surrounding whitespace.
 */
export const destinationSchema = z.string().regex(/^[^\s,\p{Cc}](?:[^,\p{Cc}]{0,126}[^\s,\p{Cc}])?$/u, {
  error: 'expected 1-128 printable characters, no comma, no surrounding spaces',
});

/** A JSON object (agent config). */
export const jsonObjectSchema = z.record(z.string(), z.json());

/** Display names. */
const nameSchema = z.string().trim().min(1, { error: 'must not be empty' }).max(200);

/** What an agent does when it cannot run. */
export const fallbackSchema = z.strictObject({
  contained: z.boolean(),
  destination: destinationSchema.optional(),
});

/** Input of `createTenant`. `name` defaults to the slug. */
export const tenantCreateSchema = z.strictObject({
  slug: slugSchema,
  name: nameSchema.optional(),
});

const agentFields = {
  name: nameSchema,
  kind: z.enum(AGENT_KINDS),
  config: jsonObjectSchema,
  extension: extensionSchema,
  destinations: z.array(destinationSchema).max(100),
  defaultDestination: destinationSchema,
  /** 0 = unlimited. */
  maxConcurrentCalls: z.number().int().min(0).max(MAX_AGENT_CALLS),
  /** ms before answering; 0 = at once. */
  ringTimeMs: z.number().int().min(0).max(MAX_RING_MS),
  fallback: fallbackSchema,
};

/**
 * Input of `createAgent`. Defaults: `name` the slug, `kind` `builtin`, `config` `{}`,
 * `destinations` `[]`, `maxConcurrentCalls` 0 (unlimited), `ringTimeMs` 0,
 * `fallback` `{ contained: false, destination: defaultDestination }`.
 */
export const agentCreateSchema = z.strictObject({
  slug: slugSchema,
  name: agentFields.name.optional(),
  kind: agentFields.kind.default('builtin'),
  config: agentFields.config.default({}),
  extension: agentFields.extension.optional(),
  destinations: agentFields.destinations.default([]),
  defaultDestination: agentFields.defaultDestination.optional(),
  maxConcurrentCalls: agentFields.maxConcurrentCalls.default(0),
  ringTimeMs: agentFields.ringTimeMs.default(0),
  fallback: agentFields.fallback.optional(),
});

/** Input of `updateAgent`: absent = unchanged, `null` clears `extension` or `defaultDestination`. */
export const agentUpdateSchema = z.strictObject({
  slug: slugSchema.optional(),
  name: agentFields.name.optional(),
  kind: agentFields.kind.optional(),
  config: agentFields.config.optional(),
  extension: agentFields.extension.nullable().optional(),
  destinations: agentFields.destinations.optional(),
  defaultDestination: agentFields.defaultDestination.nullable().optional(),
  maxConcurrentCalls: agentFields.maxConcurrentCalls.optional(),
  ringTimeMs: agentFields.ringTimeMs.optional(),
  fallback: agentFields.fallback.optional(),
});

/** Input of `createApiKey`: scoped to the tenant, or to one of its agents. `name` defaults to `key`. */
export const apiKeyCreateSchema = z.strictObject({
  agent: refSchema.optional(),
  name: nameSchema.optional(),
});

/** A point in time: epoch ms (number or digits) or an ISO 8601 date-time. */
export const timeSchema = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d{1,15}$/).transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.iso.date().transform((s) => Date.parse(s)),
], { error: 'expected epoch milliseconds or an ISO 8601 date-time' });

/** Call listing filters; tenant and agent by id or slug (an agent slug needs its tenant). */
export const callQuerySchema = z.strictObject({
  tenant: refSchema.optional(),
  agent: refSchema.optional(),
  /** Inclusive lower bound on the start time. */
  since: timeSchema.optional(),
  /** Exclusive upper bound on the start time. */
  until: timeSchema.optional(),
  outcome: z.string().min(1).max(64).optional(),
  cursor: z.string().min(1).max(512).optional(),
  /** Page size, 1..1000; default 50. Numeric strings (query parameters) are accepted. */
  limit: z.coerce.number<unknown>().int().min(1).max(1000).optional(),
});

/** Parsed `createTenant` input. */
export type TenantCreate = z.output<typeof tenantCreateSchema>;
/** Parsed `createAgent` input. */
export type AgentCreate = z.output<typeof agentCreateSchema>;
/** Parsed `updateAgent` input. */
export type AgentUpdate = z.output<typeof agentUpdateSchema>;
/** Parsed `createApiKey` input. */
export type ApiKeyCreate = z.output<typeof apiKeyCreateSchema>;
/** Parsed call query. */
export type CallQueryInput = z.output<typeof callQuerySchema>;

/** `['fallback', 'destination']` → `fallback.destination`; `['destinations', 1]` → `destinations[1]`. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `${out === '' ? '' : '.'}${String(seg)}`;
  return out === '' ? '(input)' : out;
}

/**
 * Parses `input` with `schema`.
 * @param what named in the error message (`agent`, `call query`)
 * @throws AdminError `bad_request` whose `problems` are `path: reason` lines
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys'
    ? issue.keys.map((k) => `${pathOf([...issue.path, k])}: unknown field`)
    : [`${pathOf(issue.path)}: ${issue.message}`]));
  throw new AdminError('bad_request', `invalid ${what}: ${problems.join('; ')}`, { problems });
}

