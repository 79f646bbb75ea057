/**
 * The server side of the Handoff API benchmark (`bench/api.bench.ts` runs it pinned to
 * one core): a real gateway on a temp SQLite file, `RECORDS` handoff records with 1 KiB
 * of `data` each (shared ids `bench-0` … `bench-N`), one API key, rate limit raised out
 * of the way (ids `00000000-0000-4000-8000-<i, 12 digits>`). Prints one JSON line `{ port, key, records }`, then serves until SIGTERM.
 * With `BENCH_BASELINE=1` it serves a bare Fastify route answering the same ~1 KiB JSON
 * instead (no store, no hooks): the floor of Node's HTTP stack, Fastify and the kernel
 * on this machine, to read the gateway's figures against.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startGateway } from '../src/app.ts';
import { parseConfig } from '../src/config/index.ts';
import { createLogger } from '../src/obs/index.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 10_000);
const DATA_BYTES = Number(process.env['BENCH_DATA_BYTES'] ?? 1024);
const KEY = 'alk_bench-key-0123456789abcdef0123456789';

/** The id of record `i`: a UUID that `bench/api.lua` can rebuild (`BENCH_BY=id`). */
function benchId(i: number): string {
  return `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

/** `data` of about `bytes` bytes once serialised, shaped like a real hand-over. */
function dataOf(i: number, bytes: number): Record<string, unknown> {
  const base = { contained: false, destination: 'billing', customer_id: `C${i}`, handoff_reason: 'asked for an agent' };
  const pad = Math.max(0, bytes - JSON.stringify(base).length - 16);
  return { ...base, transcript: 'x'.repeat(pad) };
}

if (process.env['BENCH_BASELINE'] === '1') await baseline();

/** The floor: Fastify answering a fixed record of the same size. */
async function baseline(): Promise<never> {
  const { default: Fastify } = await import('fastify');
  const body = JSON.stringify({ id: randomUUID(), shared_id: 'bench-0', data: dataOf(0, DATA_BYTES) });
  const app = Fastify({ logger: false });
  app.get('/v1/:account_id/:project_id/handoff_state', (_req, reply) => {
    void reply.type('application/json; charset=utf-8').send(body);
  });
  await app.listen({ host: '127.0.0.1', port: Number(process.env['BENCH_PORT'] ?? 0) });
  const address = app.server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, key: KEY, records: 1 }));
  process.on('SIGTERM', () => process.exit(0));
  return new Promise<never>(() => {});
}

const dir = mkdtempSync(join(tmpdir(), 'agentline-bench-'));
const config = parseConfig({
  sip: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: Number(process.env['BENCH_PORT'] ?? 0) },
  store: { path: join(dir, 'bench.db'), documentCacheMb: Number(process.env['BENCH_DOC_CACHE_MB'] ?? 32) },
  log: { level: 'silent' },
  api: { rateLimit: { perKeyPerSec: 1_000_000, burst: 1_000_000 } },
  demo: { enabled: true, apiKey: KEY },
});
const gw = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
const tenant = await gw.store.getTenantBySlug('demo');
const agent = tenant && await gw.store.findAgent(tenant.id, 'demo');
if (!tenant || !agent) throw new Error('demo tenant missing');
const now = Date.now();
const writes: Array<Promise<void>> = [];
for (let i = 0; i < RECORDS; i++) {
  writes.push(gw.store.putHandoff({
    id: benchId(i), tenantId: tenant.id, agentId: agent.id, sharedId: `bench-${i}`,
    data: dataOf(i, DATA_BYTES) as never, createdAt: now, expiresAt: now + 86_400_000,
  }));
}
await Promise.all(writes);
console.log(JSON.stringify({ port: gw.httpPort, key: KEY, records: RECORDS }));

const stop = (): void => {
  void gw.stop().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
