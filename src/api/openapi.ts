/**
 * The OpenAPI 3.1 document, built from the route table: the zod schemas that validate
 * requests become JSON Schema 2020-12 (`z.toJSONSchema`, OpenAPI 3.1's dialect), so the
 * document and the server cannot drift apart.
 */
import { z } from 'zod';
import type { ResponseSpec, RouteSpec, SecurityKind } from './route.ts';

/** A JSON Schema object as produced by zod. */
export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document we produce. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { securitySchemes: Record<string, unknown> };
}

/** One operation of the document. */
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean; description?: string; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: JsonSchema }> }>;
}

const SECURITY: Record<SecurityKind, Array<Record<string, string[]>>> = {
  apiKey: [{ apiKeyHeader: [] }, { bearer: [] }],
  admin: [{ adminKeyHeader: [] }, { bearer: [] }],
};

/** zod → JSON Schema without the `$schema` line (the document declares the dialect once). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

/** `/v1/:account_id/x` → `/v1/{account_id}/x`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parametersOf(spec: RouteSpec): OpenApiOperation['parameters'] {
  const out: OpenApiOperation['parameters'] = [];
  for (const [where, schema] of [['path', spec.params], ['query', spec.query]] as const) {
    if (schema === undefined) continue;
    const obj = jsonSchemaOf(schema, 'input');
    const props = (obj['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((obj['required'] ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop;
      out.push({
        name, in: where, required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}), schema: rest,
      });
    }
  }
  return out;
}

function responseOf(r: ResponseSpec): OpenApiOperation['responses'][string] {
  const out: OpenApiOperation['responses'][string] = { description: r.description };
  if (r.headers !== undefined) {
    out.headers = Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'integer' } }]));
  }
  if (r.schema !== undefined) out.content = { [r.contentType ?? 'application/json']: { schema: jsonSchemaOf(r.schema, 'output') } };
  else if (r.contentType !== undefined) out.content = { [r.contentType]: { schema: { type: 'string' } } };
  return out;
}

function operationOf(spec: RouteSpec): OpenApiOperation {
  const op: OpenApiOperation = {
    operationId: spec.operationId, summary: spec.summary, tags: [...spec.tags], parameters: parametersOf(spec),
    responses: Object.fromEntries(Object.entries(spec.responses).map(([status, r]) => [status, responseOf(r)])),
  };
  if (spec.description !== undefined) op.description = spec.description;
  if (spec.security !== undefined) op.security = SECURITY[spec.security];
  if (spec.body !== undefined) {
    op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchemaOf(spec.body, 'input') } } };
  }
  return op;
}

/**
 * Builds the document.
 * @param specs the routes, in registration order (hidden ones are skipped)
 * @param version the API version shown in `info`
 */
export function buildOpenApi(specs: readonly RouteSpec[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const spec of specs) {
    if (spec.hidden === true) continue;
    const path = openApiPath(spec.url);
    (paths[path] ??= {})[spec.method.toLowerCase()] = operationOf(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agentline API', version,
      description: 'Handoff API (compatible with the PolyAI Handoff API), admin API, health and metrics of an Agentline gateway.',
    },
    paths,
    components: {
      securitySchemes: {
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A Handoff API key (alk_…).' },
        adminKeyHeader: { type: 'apiKey', in: 'header', name: 'x-admin-key', description: 'The admin key (config api.adminKey).' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same key as `Authorization: Bearer <key>`.' },
      },
    },
  };
}
