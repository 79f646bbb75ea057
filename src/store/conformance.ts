/**
 * The store conformance suite: one set of behavioural tests that every Store
 * backend runs (SQLite now, Redis later), so that they cannot drift apart.
 *
 * Usage, in a backend's `*.test.ts`:
 * ```ts
 * runStoreConformance('sqlite', async () => ({ store, cleanup }));
 * ```
 */
import { describe } from 'node:test';
import { callTests, lifecycleTests } from './conformance/calls.ts';
import { agentTests, apiKeyTests, tenantTests } from './conformance/directory.ts';
import { handoffTests } from './conformance/handoff.ts';
import type { StoreFactory } from './conformance/support.ts';

export type { StoreFactory, StoreFixture } from './conformance/support.ts';

/**
 * Registers the conformance tests under `describe(\`store conformance: ${name}\`)`.
 * @param name backend name shown in test output
 * @param makeStore returns a fresh, empty store and its cleanup; called once per test
 */
export function runStoreConformance(name: string, makeStore: StoreFactory): void {
  describe(`store conformance: ${name}`, () => {
    tenantTests(makeStore);
    agentTests(makeStore);
    apiKeyTests(makeStore);
    handoffTests(makeStore);
    callTests(makeStore);
    lifecycleTests(makeStore);
  });
}
