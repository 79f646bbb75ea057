/**
 * zod schemas of the Handoff API and the shared error shape. They validate requests and
 * produce the OpenAPI document, so the two cannot disagree.
 */
import { z } from 'zod';

/**
 * `account_id` / `project_id`: a tenant or agent id (UUID) or slug. Letters, digits,
 * `-` and `_`, starting with a letter or digit: no dots, slashes or NUL can get through.
 */
export const REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * A contact-center session id or a conversation id: 1–256 printable ASCII characters
 * from a URL-safe set, starting with a letter or digit, with no `..`, `/`, `\`, quotes,
 * spaces or control characters.
 */
export const SESSION_ID_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._:@+=~{}!*,;|$-]{0,255}$/;

/** `wait=` seconds: up to three digits, optionally three decimals. */
export const WAIT_PATTERN = /^\d{1,3}(\.\d{1,3})?$/;

const emptyAsAbsent = (v: unknown): unknown => (v === '' ? undefined : v);

/** Path of `GET /v1/{account_id}/{project_id}/handoff_state`. */
export const handoffParamsSchema = z.object({
  account_id: z.string().regex(REF_PATTERN).describe('The account: tenant id or slug.'),
  project_id: z.string().regex(REF_PATTERN).describe('The project: agent id or slug.'),
});

/** Query of the handoff endpoint: at least one of `shared_id` and `id`; `shared_id` wins. */
export const handoffQuerySchema = z.object({
  shared_id: z.preprocess(emptyAsAbsent, z.string().regex(SESSION_ID_PATTERN).optional())
    .describe('The contact center\'s session id (e.g. Five9 session id). Wins over `id` when both are given.'),
  id: z.preprocess(emptyAsAbsent, z.string().regex(SESSION_ID_PATTERN).optional())
    .describe('The conversation id (Agentline\'s id of the call).'),
  wait: z.string().regex(WAIT_PATTERN).transform(Number).optional()
    .describe('Agentline extension: hold the request up to this many seconds (capped by `handoff.maxWaitSec`, default 30) until the record exists.'),
}).refine((q) => q.shared_id !== undefined || q.id !== undefined, { error: 'shared_id or id is required', path: ['shared_id'] });

/** The hand-over data: `contained`, `destination` and the agent's state at handoff. */
export const handoffDataSchema = z.looseObject({
  contained: z.boolean().optional().describe('True when the agent resolved the call.'),
  destination: z.string().optional().describe('Where the contact center should route the caller (when not contained).'),
}).describe('The agent\'s state at handoff: `contained`, `destination`, and any other keys the agent set.');

/** `200` body of the handoff endpoint (the public PolyAI Handoff API shape). */
export const handoffStateSchema = z.object({
  id: z.string().describe('Conversation id.'),
  shared_id: z.string().nullable().describe('Contact-center session id; null when the call carried none.'),
  data: handoffDataSchema,
});

/** Every error code the APIs answer with. */
export const ERROR_CODES = ['bad_request', 'unauthorized', 'not_found', 'conflict', 'rate_limited', 'unavailable', 'internal'] as const;

/** The error body for one code (the document shows each status with its own code). */
export function errorSchema(code: (typeof ERROR_CODES)[number]) {
  return z.object({
    error: z.object({ code: z.literal(code), message: z.string() }),
  });
}

/** `/healthz` body. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** `/readyz` body: each check by name. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.enum(['ok', 'failed'])),
});
