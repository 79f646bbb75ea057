/**
 * End to end, the admin CLI: every command runs as a child process against a temp
 * config whose store is a temp SQLite file, `--json` output is parsed, and the store is
 * read directly to check what the CLI wrote (tokens and keys only as hashes). Errors:
 * a non-zero exit and a message, never a stack trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/app.ts';
import type { AgentView, ApiKeyView, CallsPage, CreatedAgent, CreatedApiKey } from '../../src/admin/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { hashApiKey, hashToken } from '../../src/routing/index.ts';
import type { CallRecord, Store, Tenant } from '../../src/store/index.ts';
import { runCli, runJson, writeConfig } from './cli-run.ts';

/** No stack frames in what a user sees. */
function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m);
}

describe('agentline CLI (child process, temp SQLite store)', () => {
  let dir: string;
  let cfg: string;
  /** `--config <cfg>` */
  let c: string[];

  /** Opens the CLI's store from the test process, runs `fn`, closes it. */
  async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    const store = openStore(loadConfig({ path: cfg, env: {} }));
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-cli-'));
    cfg = writeConfig(dir, { store: { path: join(dir, 'agentline.db') }, log: { level: 'silent' } });
    c = ['--config', cfg];
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help works for the program and for a command', async () => {
    const [top, sub] = await Promise.all([runCli(['--help']), runCli(['agent', 'add', '--help'])]);
    assert.equal(top.code, 0);
    for (const cmd of ['serve', 'init', 'tenant', 'agent', 'key', 'calls']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--destinations <list>/);
    assert.match(sub.stdout, /--config <path>/);
  });

  test('tenant add and list', async () => {
    const created = await runJson<Tenant>(['tenant', 'add', 'acme', '--name', 'Acme Inc', ...c]);
    assert.equal(created.slug, 'acme');
    assert.equal(created.name, 'Acme Inc');
    const [listed, human] = await Promise.all([runJson<Tenant[]>(['tenant', 'list', ...c]), runCli(['tenant', 'list', ...c])]);
    assert.deepEqual(listed.map((t) => t.slug), ['acme']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^SLUG\s+NAME/m);
    assert.match(human.stdout, /acme\s+Acme Inc/);
  });

  test('agent add prints the token once; the store keeps only its hash', async () => {
    const created = await runJson<CreatedAgent>([
      'agent', 'add', 'acme', 'sales', '--extension', '7100', '--destinations', 'billing,support',
      '--default-destination', 'billing', '--max-calls', '3', '--ring-ms', '0', '--config-json', '{"waitMs":1000}', ...c,
    ]);
    assert.match(created.token, /^alt_/);
    assert.equal(created.agent.extension, '7100');
    assert.deepEqual(created.agent.destinations, ['billing', 'support']);
    assert.equal(created.agent.maxConcurrentCalls, 3);
    assert.deepEqual(created.agent.config, { waitMs: 1000 });
    assert.equal('tokenHash' in created.agent, false);
    const stored = await withStore((s) => s.findAgentByTokenHash(hashToken(created.token)));
    assert.equal(stored?.id, created.agent.id);
  });

  test('agent list never shows token hashes; rotate-token replaces the token', async () => {
    const listed = await runJson<AgentView[]>(['agent', 'list', 'acme', ...c]);
    assert.deepEqual(listed.map((a) => a.slug), ['sales']);
    assert.equal('tokenHash' in (listed[0] ?? {}), false);
    const oldHash = await withStore(async (s) => (await s.findAgent(listed[0]?.tenantId ?? '', 'sales'))?.tokenHash);
    const rotated = await runJson<CreatedAgent>(['agent', 'rotate-token', 'acme', 'sales', ...c]);
    assert.match(rotated.token, /^alt_/);
    await withStore(async (s) => {
      assert.equal((await s.findAgentByTokenHash(hashToken(rotated.token)))?.id, rotated.agent.id);
      assert.equal(await s.findAgentByTokenHash(oldHash ?? ''), undefined);
    });
  });

  test('agent update changes only what is given (--no-extension clears); human output shows the token once', async () => {
    const [updated, human] = await Promise.all([
      runJson<AgentView>(['agent', 'update', 'acme', 'sales', '--name', 'Sales line', '--no-extension', ...c]),
      runCli(['agent', 'add', 'acme', 'support-bot', '--kind', 'websocket', '--config-json', '{"url":"wss://bot.example"}', ...c]),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /created agent acme\/support-bot/);
    assert.match(human.stdout, /token \(shown once.*\): alt_\S+/);
    assert.equal(updated.name, 'Sales line');
    assert.equal(updated.extension, undefined);
    assert.deepEqual(updated.destinations, ['billing', 'support']);
  });

  test('key add, list and revoke', async () => {
    const created = await runJson<CreatedApiKey>(['key', 'add', 'acme', '--agent', 'sales', '--name', 'five9', ...c]);
    assert.match(created.key, /^alk_/);
    assert.equal(created.apiKey.name, 'five9');
    assert.ok(created.apiKey.agentId);
    assert.equal((await withStore((s) => s.findApiKeyByHash(hashApiKey(created.key))))?.id, created.apiKey.id);
    const [listed, human] = await Promise.all([runJson<ApiKeyView[]>(['key', 'list', 'acme', ...c]), runCli(['key', 'list', 'acme', ...c])]);
    assert.deepEqual(listed.map((k) => k.prefix), [created.key.slice(0, 8)]);
    assert.equal('keyHash' in (listed[0] ?? {}), false);
    assert.match(human.stdout, /agent sales/);
    const revoked = await runJson<ApiKeyView>(['key', 'revoke', 'acme', created.apiKey.id, ...c]);
    assert.equal(typeof revoked.revokedAt, 'number');
    assert.equal(await withStore((s) => s.findApiKeyByHash(hashApiKey(created.key))), undefined);
  });

  test('calls: filters and cursor pages', async () => {
    const now = Date.now();
    await withStore(async (s) => {
      const tenant = await s.getTenantBySlug('acme');
      const agent = await s.findAgent(tenant?.id ?? '', 'sales');
      const base = { sipCallId: 'x', trunk: 'local', from: 'sip:a@x', to: 'sip:7100@gw', direction: 'inbound' } as const;
      const calls: CallRecord[] = [
        { ...base, id: 'old', tenantId: tenant?.id, agentId: agent?.id, outcome: 'contained', startedAt: now - 7_200_000 },
        { ...base, id: 'mid', tenantId: tenant?.id, agentId: agent?.id, outcome: 'handoff', destination: 'billing', startedAt: now - 60_000 },
        { ...base, id: 'new', tenantId: tenant?.id, agentId: agent?.id, outcome: 'handoff', startedAt: now - 1000, endedAt: now },
      ];
      for (const call of calls) await s.putCall(call);
    });
    const [first, recent, human] = await Promise.all([
      runJson<CallsPage>(['calls', '--tenant', 'acme', '--agent', 'sales', '--limit', '2', ...c]),
      runJson<CallsPage>(['calls', '--since', '1h', ...c]),
      runCli(['calls', '--outcome', 'handoff', ...c]),
    ]);
    assert.deepEqual(first.items.map((x) => x.id), ['new', 'mid']);
    assert.ok(first.nextCursor);
    const second = await runJson<CallsPage>(['calls', '--tenant', 'acme', '--limit', '2', '--cursor', first.nextCursor, ...c]);
    assert.deepEqual(second.items.map((x) => x.id), ['old']);
    assert.deepEqual(recent.items.map((x) => x.id), ['new', 'mid']);
    assert.match(human.stdout, /acme\/sales\s+-\s+handoff\s+billing/);
  });

  test('errors: unknown tenant, conflict and bad input exit non-zero with a message, no stack', async () => {
    const [unknown, unknownJson, taken, badDest, badInt] = await Promise.all([
      runCli(['agent', 'list', 'nobody', ...c]),
      runCli(['agent', 'list', 'nobody', '--json', ...c]),
      runCli(['tenant', 'add', 'acme', ...c]),
      runCli(['agent', 'add', 'acme', 'x', '--destinations', 'a', '--default-destination', 'b', ...c]),
      runCli(['agent', 'add', 'acme', 'x', '--max-calls', 'lots', ...c]),
    ]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /^error: unknown tenant \[tenant:nobody\]/);
    assertNoStack(unknown.stderr);
    assert.equal(JSON.parse(unknownJson.stderr).error.code, 'not_found');
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /error: .*acme/);
    assert.notEqual(badDest.code, 0);
    assert.match(badDest.stderr, /defaultDestination is not one of the agent's destinations/);
    assert.notEqual(badInt.code, 0);
    assert.match(badInt.stderr, /--max-calls/);
  });

  test('errors: a bad builtin config; a bad config key is named, with a suggestion; a missing file is named', async () => {
    const bad = writeConfig(dir, { store: { path: join(dir, 'x.db') }, limits: { maxCals: 2 } }, 'bad.yaml');
    const [res, typo, missing] = await Promise.all([
      runCli(['agent', 'add', 'acme', 'broken', '--config-json', '{"waitMs":-1}', '--json', ...c]),
      runCli(['tenant', 'list', '--config', bad]),
      runCli(['tenant', 'list', '--config', join(dir, 'absent.yaml')]),
    ]);
    assert.notEqual(res.code, 0);
    const body = JSON.parse(res.stderr) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'bad_request');
    assert.match(body.error.message, /waitMs/);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /limits\.maxCals: unknown key \(did you mean "maxCalls"\?\)/);
    assertNoStack(typo.stderr);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /absent\.yaml/);
    assertNoStack(missing.stderr);
  });
});
