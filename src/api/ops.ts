/**
 * The operator's endpoints: `/healthz` (the process is up), `/readyz` (every readiness
 * check passes: store answers, SIP listening, not draining), `/metrics` (Prometheus),
 * and the API's own description, `/openapi.json` and `/docs`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Metrics } from '../obs/index.ts';
import { renderDocsHtml } from './docs.ts';
import { buildOpenApi, type OpenApiDocument } from './openapi.ts';
import type { RouteSpec, RouteTable } from './route.ts';
import { healthSchema, readinessSchema } from './schemas.ts';
import type { ReadinessCheck } from './types.ts';

/** Version shown in the OpenAPI document. */
export const API_VERSION = '1.0.0';

const healthzSpec = {
  method: 'GET', url: '/healthz', operationId: 'healthz', summary: 'The process is up', tags: ['Operations'],
  responses: { 200: { description: 'Always, while the process serves HTTP.', schema: healthSchema } },
} as const satisfies RouteSpec;

const readyzSpec = {
  method: 'GET', url: '/readyz', operationId: 'readyz', summary: 'The node can take calls', tags: ['Operations'],
  description: 'Ready when the store answers, SIP is listening and the node is not draining. A load balancer stops sending work on 503.',
  responses: {
    200: { description: 'Every check passed.', schema: readinessSchema },
    503: { description: 'A check failed; `checks` says which.', schema: readinessSchema },
  },
} as const satisfies RouteSpec;

const metricsSpec = {
  method: 'GET', url: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics', tags: ['Operations'],
  responses: { 200: { description: 'Prometheus text exposition format 0.0.4.', contentType: 'text/plain; version=0.0.4' } },
} as const satisfies RouteSpec;

const openapiSpec = {
  method: 'GET', url: '/openapi.json', operationId: 'openapi', summary: 'This document (OpenAPI 3.1)', tags: ['Operations'],
  responses: { 200: { description: 'The OpenAPI 3.1 document.', schema: z.record(z.string(), z.unknown()) } },
} as const satisfies RouteSpec;

const docsSpec = {
  method: 'GET', url: '/docs', operationId: 'docs', summary: 'This document as a web page', tags: ['Operations'],
  responses: { 200: { description: 'A self-contained HTML page.', contentType: 'text/html' } },
} as const satisfies RouteSpec;

/** Runs each check; a throw or `false` fails it. */
export async function runReadiness(checks: readonly ReadinessCheck[]): Promise<{ ready: boolean; checks: Record<string, 'ok' | 'failed'> }> {
  const out: Record<string, 'ok' | 'failed'> = {};
  let ready = true;
  for (const c of checks) {
    let ok: boolean;
    try {
      ok = (await c.check()) !== false;
    } catch {
      ok = false;
    }
    out[c.name] = ok ? 'ok' : 'failed';
    ready &&= ok;
  }
  return { ready, checks: out };
}

/** Registers health, readiness and metrics. */
export function registerOps(app: FastifyInstance, table: RouteTable, metrics: Metrics, checks: readonly ReadinessCheck[]): void {
  table.add(app, healthzSpec, () => ({ status: 'ok' }));
  table.add(app, readyzSpec, async ({ reply }) => {
    const r = await runReadiness(checks);
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
  });
  table.add(app, metricsSpec, async ({ reply }) => reply.type(metrics.contentType).send(await metrics.render()));
}

/**
 * Registers `/openapi.json` and `/docs`; call last, once every route is in the table.
 * The document is built once, at registration.
 */
export function registerDocs(app: FastifyInstance, table: RouteTable): OpenApiDocument {
  table.add(app, openapiSpec, ({ reply }) => reply.type('application/json; charset=utf-8').send(json));
  table.add(app, docsSpec, ({ reply }) => reply.type('text/html; charset=utf-8').send(html));
  const doc = buildOpenApi(table.specs, API_VERSION);
  const json = JSON.stringify(doc);
  const html = renderDocsHtml(doc);
  return doc;
}
