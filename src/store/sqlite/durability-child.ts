/**
 * Test helper for the durability test (not a test itself): opens the store at
 * argv[2], writes one handoff record (tenant argv[3], id argv[4], shared id
 * argv[5]), and prints "committed" once putHandoff resolves. The parent kills
 * it with SIGKILL on that line, so nothing after the resolve (no close, no
 * checkpoint) gets a chance to run.
 */
import { openSqliteStore } from './store.ts';

const [path, tenantId, id, sharedId] = process.argv.slice(2);
if (!path || !tenantId || !id || !sharedId) {
  console.error('usage: durability-child.ts <db> <tenantId> <id> <sharedId>');
  process.exit(2);
}
const store = openSqliteStore({ path });
await store.putHandoff({
  id, tenantId, agentId: 'agent', sharedId,
  data: { contained: false, destination: 'billing', note: 'x'.repeat(100_000) },
  createdAt: 1, expiresAt: Number.MAX_SAFE_INTEGER,
});
process.stdout.write('committed\n');
// Stay alive until killed: a clean exit would hide a missing fsync.
setInterval(() => undefined, 1_000);
