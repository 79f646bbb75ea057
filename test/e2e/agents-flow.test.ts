/**
 * End to end, issue "Agents" (flow agent): the demo agent is a flow agent (ARCHITECTURE.md
 * "Agents"), called by the contact-center emulator as a Five9 trunk would. The gateway
 * starts on a database an older version seeded (the demo agent of kind `builtin`), so
 * every call here also proves the upgrade to the demo flow. Pressing 1 hands off to
 * billing with the digits and the flow's path in the record (read by the emulator's Query
 * module through the Handoff API, and from the store); pressing 3 ends contained; silence
 * takes the timeout path (re-prompt, then the no-input handoff) on a short-timeout copy of
 * the demo flow created through the admin API, whose agent-config checks are wired here too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_BUILTIN_CONFIG, DEMO_FLOW, DEMO_FLOW_CONFIG } from '../../src/agents/index.ts';
import { seedDemo } from '../../src/app.ts';
import { ContactCenter, type CallOptions, type CallReport } from '../../src/ccsim/index.ts';
import { parseConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/obs/index.ts';
import { displayPrefix, hashToken } from '../../src/routing/index.ts';
import { openSqliteStore, type CallRecord, type JsonObject, type Store } from '../../src/store/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { within } from './uac.ts';

const API_KEY = 'alk_e2e-flow-key-0123456789abcdef';
const ADMIN_KEY = 'adm_e2e-flow-0123456789abcdef01';
const OLD_TOKEN = 'alt_e2e-old-demo-token-0123456789';
const haveEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const silent = createLogger({ level: 'silent' });
const DEMO = parseConfig({ demo: { enabled: true } }).demo;

/** The demo agent as the version before the flow agent seeded it. */
async function seedOldDemo(store: Store, config: JsonObject = JSON.parse(JSON.stringify(DEMO_BUILTIN_CONFIG)) as JsonObject) {
  const tenant = await store.createTenant({ slug: 'demo', name: 'Demo' });
  return store.createAgent({
    tenantId: tenant.id, slug: 'demo', name: 'Demo agent', kind: 'builtin', config, extension: '7001',
    destinations: ['billing', 'support'], defaultDestination: 'billing', fallback: { contained: false, destination: 'billing' },
    tokenHash: hashToken(OLD_TOKEN), tokenPrefix: displayPrefix(OLD_TOKEN),
  });
}

/** The demo flow with short prompts and timeouts; steps, branches, retries and targets as the demo's. */
function quickDemoFlow(): JsonObject {
  const flow = JSON.parse(JSON.stringify(DEMO_FLOW)) as { steps: Record<string, Record<string, unknown>> };
  const { greet, menu } = flow.steps;
  assert.ok(greet && menu, 'the demo flow has greet and menu');
  greet['say'] = 'Welcome.';
  menu['collect'] = { ...(menu['collect'] as object), prompt: { say: 'Menu.' }, reprompt: { say: 'Again.' }, timeoutMs: 600, interDigitTimeoutMs: 600 };
  return flow as unknown as JsonObject;
}

describe('seeding the demo agent', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'agentline-seed-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a fresh database gets the demo agent as a flow agent with the demo flow', async () => {
    const store = openSqliteStore({ path: join(dir, 'fresh.db') });
    try {
      const info = await seedDemo(store, DEMO, silent);
      const tenant = await store.getTenantBySlug('demo');
      const agent = await store.findAgent(tenant?.id ?? '', 'demo');
      assert.equal(agent?.kind, 'flow');
      assert.deepEqual(agent?.config, JSON.parse(JSON.stringify(DEMO_FLOW_CONFIG)));
      assert.equal(info.extension, '7001');
      assert.match(info.apiKey ?? '', /^alk_/, 'a first start creates and shows a key');
    } finally {
      await store.close();
    }
  });

  test('a builtin demo agent changed by its operator is kept as it is', async () => {
    const store = openSqliteStore({ path: join(dir, 'custom.db') });
    try {
      const custom = { waitMs: 1000, digits: {}, outcome: { contained: true } };
      const old = await seedOldDemo(store, custom);
      await seedDemo(store, DEMO, silent);
      const agent = await store.getAgent(old.id);
      assert.equal(agent?.kind, 'builtin');
      assert.deepEqual(agent?.config, custom);
    } finally {
      await store.close();
    }
  });
});

describe('the demo flow agent, called through the emulator', () => {
  let dir: string;
  let gw: TestGateway;
  let cc: ContactCenter;
  let oldAgentId: string;
  let api: string;

  async function admin(method: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${api}/admin/v1${path}`, {
      method, headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-flow-'));
    const path = join(dir, 'agentline.db');
    const old = openSqliteStore({ path });
    oldAgentId = (await seedOldDemo(old)).id;
    await old.close();
    // The gateway opens the database seeded above (loopbackConfig's store is dir/agentline.db).
    gw = await startTestGateway('flow', { api: { adminKey: ADMIN_KEY }, demo: { enabled: true, apiKey: API_KEY } }, { dir });
    api = `http://127.0.0.1:${gw.httpPort}`;
    cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: gw.sipPort } });
  });

  after(async () => {
    await cc?.close();
    await gw?.close();
    rmSync(dir, { recursive: true, force: true }); // also when the gateway did not start
  });

  function call(extension: string, script: NonNullable<CallOptions['script']>, project = 'demo'): Promise<CallReport> {
    return within(cc.call({
      variables: { extension, ani: '4155550123' },
      script: { maxCallMs: 15_000, ...script },
      query: { apiBase: api, apiKey: API_KEY, account: 'demo', project, timeoutMs: 2000, retries: 1, backoffMs: 10, waitSec: 5 },
      routing: { defaultSkill: 'general' },
    }), 'the emulated call', 20_000);
  }

  async function cdrOf(conversationId: string): Promise<CallRecord> {
    let rec: CallRecord | undefined;
    for (let i = 0; i < 200 && (rec?.media === undefined || rec.endedAt === undefined); i++) {
      rec = await gw.store.getCall(conversationId);
      if (rec?.media === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(rec?.media, 'the call record with its media');
    return rec;
  }

  test('the old builtin demo agent was upgraded in place to the demo flow', async () => {
    const agent = await gw.store.getAgent(oldAgentId);
    assert.equal(agent?.kind, 'flow');
    assert.deepEqual(agent?.config, JSON.parse(JSON.stringify(DEMO_FLOW_CONFIG)));
    assert.equal(agent?.extension, '7001');
    assert.equal(agent?.tokenHash, hashToken(OLD_TOKEN), 'the token is kept');
  });

  test('pressing 1: X-contained false, X-destination billing; the record holds the digits and the path', async () => {
    const r = await call('7001', { presses: [{ digits: '1', atMs: 1000 }] });
    assert.equal(r.answer.status, 200);
    assert.equal(r.ended, 'agent');
    assert.equal(r.variables['contained'], 'false');
    assert.equal(r.variables['destination'], 'billing');
    assert.equal(r.query.branch, 'success', r.query.reason);
    const data = r.query.handoff?.data;
    assert.equal(r.query.handoff?.shared_id, r.sessionId);
    assert.deepEqual(data?.['digits'], { choice: '1' });
    assert.deepEqual(data?.['path'], ['greet', 'menu', 'route', 'billing']);
    assert.equal(data?.['handoff_reason'], 'billing question');
    assert.equal(data?.['contained'], false);
    assert.equal(data?.['destination'], 'billing');
    assert.deepEqual(r.decision, {
      action: 'transfer', skill: 'billing', destination: 'billing', contained: false, source: 'handoff_api', reason: r.decision.reason, data,
    });
    const tenant = await gw.store.getTenantBySlug('demo');
    const stored = await gw.store.getHandoffBySharedId(tenant?.id ?? '', r.sessionId);
    assert.deepEqual(stored?.data, data, 'the API served the stored record');
    if (haveEspeak) assert.ok(r.media?.heard, 'the caller heard the greeting (espeak-ng)');
    const playback = (await cdrOf(stored?.id ?? '')).media?.['playback'] as JsonObject;
    assert.equal(playback['bargeIns'], 1, 'the digit cut the greeting; the menu prompt was skipped (typed ahead)');
  });

  test('pressing 3: contained, no X-destination, the goodbye played', async () => {
    const r = await call('7001', { presses: [{ digits: '3', atMs: 300 }] });
    assert.equal(r.ended, 'agent');
    assert.equal(r.variables['contained'], 'true');
    assert.equal(r.variables['destination'], undefined);
    assert.ok(!r.bye?.headers.some(([name]) => name.toLowerCase() === 'x-destination'));
    const data = r.query.handoff?.data;
    assert.deepEqual(data?.['path'], ['greet', 'menu', 'route', 'goodbye', 'done']);
    assert.equal(data?.['resolved'], true);
    assert.equal(data?.['contained'], true);
    assert.equal(data?.['destination'], undefined);
    assert.equal(r.decision.action, 'end');
    assert.equal(r.decision.contained, true);
  });

  test('the admin API checks flow and websocket configs when an agent is created', async () => {
    const broken = JSON.parse(JSON.stringify(DEMO_FLOW)) as { steps: { route: { branch: { on: Record<string, string> } } } };
    broken.steps.route.branch.on['1'] = 'billng';
    const bad = await admin('POST', '/tenants/demo/agents', { slug: 'broken', kind: 'flow', config: { flow: broken } });
    assert.equal(bad.status, 400);
    assert.equal((bad.json['error'] as JsonObject)['code'], 'bad_request');
    assert.match(String((bad.json['error'] as JsonObject)['message']), /steps\.route\.branch\.on\["1"\]: unknown step "billng"/);
    const ws = await admin('POST', '/tenants/demo/agents', { slug: 'nourl', kind: 'websocket', config: { url: 'http://bot' } });
    assert.equal(ws.status, 400);
    assert.match(String((ws.json['error'] as JsonObject)['message']), /url must be a ws:\/\/ or wss:\/\/ URL/);
  });

  test('silence: re-prompt, then the no-input handoff to the default destination', async () => {
    const created = await admin('POST', '/tenants/demo/agents', {
      slug: 'quick', kind: 'flow', config: { flow: quickDemoFlow() }, extension: '7005',
      destinations: ['billing', 'support'], defaultDestination: 'billing',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const r = await call('7005', {}, 'quick');
    assert.equal(r.ended, 'agent');
    assert.equal(r.variables['contained'], 'false');
    assert.equal(r.variables['destination'], 'billing', 'the agent\'s default destination');
    const data = r.query.handoff?.data;
    assert.equal(data?.['handoff_reason'], 'no_input');
    assert.deepEqual(data?.['path'], ['greet', 'menu', 'no_input']);
    assert.deepEqual(data?.['digits'], { choice: '' });
    assert.equal(data?.['destination_note'], 'destination_missing', 'the flow named none: the record says so');
    assert.equal(r.decision.skill, 'billing');
    const playback = (await cdrOf(r.query.handoff?.id ?? '')).media?.['playback'] as JsonObject;
    assert.equal(playback['queued'], 3, 'greeting, menu prompt and the re-prompt');
    assert.equal(playback['bargeIns'], 0);
  });
});
