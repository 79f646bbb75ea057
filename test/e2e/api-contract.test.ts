/**
 * Contract test: reads `/openapi.json` from a real gateway and checks every documented
 * response of the Handoff API endpoint against what the server answers: the status,
 * the content type, documented headers, and the body against the documented JSON
 * Schema (rebuilt as a validator with zod's `fromJSONSchema`).
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { displayPrefix, hashApiKey } from '../../src/routing/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';

const KEY = 'alk_contract-0123456789abcdef0123';
const KEY_RL = 'alk_contract-rl-0123456789abcdef';
const PATH = '/v1/{account_id}/{project_id}/handoff_state';

interface Operation {
  parameters: Array<{ name: string; in: string; required: boolean }>;
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: Record<string, unknown> }> }>;
}

describe('the OpenAPI document matches the Handoff API', () => {
  let gw: TestGateway;
  let base: string;
  let op: Operation;
  let sharedId: string;

  /** How to make the server give each status; 503 comes last (it closes the store). */
  const producers: Record<string, () => Promise<Response>> = {
    200: () => fetch(`${base}/v1/demo/demo/handoff_state?shared_id=${sharedId}`, { headers: { 'x-api-key': KEY } }),
    400: () => fetch(`${base}/v1/demo/demo/handoff_state?wait=5`, { headers: { 'x-api-key': KEY } }),
    401: () => fetch(`${base}/v1/demo/demo/handoff_state?id=x`),
    404: () => fetch(`${base}/v1/demo/demo/handoff_state?id=${randomUUID()}`, { headers: { 'x-api-key': KEY } }),
    429: async () => {
      for (;;) {
        const res = await fetch(`${base}/v1/demo/demo/handoff_state?id=x`, { headers: { 'x-api-key': KEY_RL } });
        if (res.status === 429) return res;
        await res.arrayBuffer();
      }
    },
    503: async () => {
      await gw.store.close();
      return fetch(`${base}/v1/demo/demo/handoff_state?id=x`, { headers: { 'x-api-key': KEY } });
    },
  };

  before(async () => {
    gw = await startTestGateway('contract', {
      api: { rateLimit: { perKeyPerSec: 1, burst: 5 } }, // KEY sends 4 requests; KEY_RL runs out
      demo: { enabled: true, apiKey: KEY },
    });
    base = `http://127.0.0.1:${gw.httpPort}`;
    const tenant = (await gw.store.getTenantBySlug('demo'))!;
    const agent = (await gw.store.findAgent(tenant.id, 'demo'))!;
    await gw.store.createApiKey({ tenantId: tenant.id, name: 'rl', keyHash: hashApiKey(KEY_RL), prefix: displayPrefix(KEY_RL) });
    sharedId = randomUUID();
    await gw.store.putHandoff({
      id: randomUUID(), tenantId: tenant.id, agentId: agent.id, sharedId, createdAt: Date.now(), expiresAt: Date.now() + 60_000,
      data: { contained: false, destination: 'billing', customer_id: 'C1', turns: [{ role: 'caller', text: 'agent please' }] },
    });
    const doc = await (await fetch(`${base}/openapi.json`)).json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
    assert.equal(doc.openapi, '3.1.0');
    const found = doc.paths[PATH]?.['get'];
    assert.ok(found, `${PATH} is documented`);
    op = found;
  });

  after(async () => {
    await gw?.close();
  });

  test('the parameters are documented', () => {
    const params = op.parameters.map((p) => `${p.in}:${p.name}:${p.required}`).sort();
    assert.deepEqual(params, ['path:account_id:true', 'path:project_id:true', 'query:id:false', 'query:shared_id:false', 'query:wait:false']);
  });

  test('every status the server answers with is documented, and each documented one can be produced', () => {
    assert.deepEqual(Object.keys(op.responses).sort(), Object.keys(producers).sort());
  });

  test('each documented response matches the server: status, content type, headers, body schema', async () => {
    for (const status of Object.keys(producers).sort()) {
      const documented = op.responses[status];
      assert.ok(documented, `status ${status} documented`);
      const res = await producers[status]!();
      assert.equal(res.status, Number(status));
      const [type, spec] = Object.entries(documented.content ?? {})[0] ?? [];
      assert.ok(type && spec, `status ${status} documents a body`);
      assert.equal(res.headers.get('content-type')?.split(';')[0], type, `status ${status} content type`);
      for (const header of Object.keys(documented.headers ?? {})) {
        assert.ok(res.headers.get(header), `status ${status} sends ${header}`);
      }
      const body: unknown = await res.json();
      const check = z.fromJSONSchema(spec.schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(body);
      assert.ok(check.success, `status ${status} body ${JSON.stringify(body).slice(0, 200)}: ${check.error?.message ?? ''}`);
    }
  });
});
