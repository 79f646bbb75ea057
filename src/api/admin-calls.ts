/**
 * The admin API's calls: live calls from the call registry (list, end one) and call
 * detail records (CDRs) with filters and cursor pagination.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { z } from 'zod';
import { callQuerySchema, type AdminService } from '../admin/index.ts';
import { ADMIN_ERRORS, callPageSchema, callParams, callRecordSchema, listOf, liveCallSchema } from './admin-schemas.ts';
import { ADMIN_PREFIX } from './admin-directory.ts';
import { failure, sendFailure } from './errors.ts';
import type { RouteSpec, RouteTable } from './route.ts';
import type { LiveCallRegistry } from './types.ts';

const base = { tags: ['Admin: calls'], security: 'admin' } as const;
const { 409: _conflict, ...errors } = ADMIN_ERRORS;

const specs = {
  listLive: {
    ...base, method: 'GET', url: `${ADMIN_PREFIX}/calls`, operationId: 'listLiveCalls', summary: 'List live calls on this node',
    responses: { 200: { description: 'Calls in progress.', schema: listOf(liveCallSchema) }, ...errors },
  },
  endLive: {
    ...base, method: 'DELETE', url: `${ADMIN_PREFIX}/calls/:id`, operationId: 'endLiveCall', summary: 'End a live call',
    description: 'The call ends as any hangup does: the handoff record is written (`ended_by: system`), then the BYE is sent.',
    params: callParams,
    responses: { 202: { description: 'Ending.', schema: z.object({ id: z.string(), ending: z.literal(true) }) }, ...errors },
  },
  listCdrs: {
    ...base, method: 'GET', url: `${ADMIN_PREFIX}/cdrs`, operationId: 'listCallRecords', summary: 'List call detail records (newest first)',
    description: 'Filters: tenant and agent (id or slug; an agent slug needs its tenant), since/until (epoch ms or ISO 8601), outcome. '
      + 'Pages are stable under concurrent inserts: pass `nextCursor` back as `cursor`.',
    query: callQuerySchema,
    handlerValidates: true,
    responses: { 200: { description: 'One page.', schema: callPageSchema }, ...errors },
  },
  getCdr: {
    ...base, method: 'GET', url: `${ADMIN_PREFIX}/cdrs/:id`, operationId: 'getCallRecord', summary: 'Get one call detail record',
    params: callParams, responses: { 200: { description: 'The record.', schema: callRecordSchema }, ...errors },
  },
} as const satisfies Record<string, RouteSpec>;

/** Registers live-call and CDR routes behind `auth`. */
export function registerAdminCalls(
  app: FastifyInstance, table: RouteTable, admin: AdminService, calls: LiveCallRegistry | undefined, auth: onRequestHookHandler,
): void {
  const hooks = [auth];
  table.add(app, specs.listLive, () => ({ items: calls?.list() ?? [] }), hooks);
  table.add(app, specs.endLive, ({ params, reply }) => {
    if (calls?.end(params.id) !== true) return sendFailure(reply, failure('not_found', { call: params.id }));
    return reply.code(202).send({ id: params.id, ending: true });
  }, hooks);
  table.add(app, specs.listCdrs, ({ rawQuery }) => admin.listCalls(rawQuery), hooks);
  table.add(app, specs.getCdr, ({ params }) => admin.getCall(params.id), hooks);
}
