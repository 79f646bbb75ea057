/**
 * End to end, graceful shutdown (ARCHITECTURE.md "Scale": a node that gets SIGTERM stops
 * taking calls with 503, finishes its live ones, and exits). The gateway runs as a
 * child process (`agentline serve`); a UAC on our stack holds a live call while the
 * test sends SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { HandoffRecord } from '../../src/store/index.ts';
import { loopbackConfig } from '../support/gateway-config.ts';
import { startServer, writeConfig, type ServerChild } from './cli-run.ts';
import { TestUac, within, type PlacedCall } from './uac.ts';

const SESSION_HEADER = 'X-five9sessionid';
const EXIT_WAIT_MS = 20_000;

describe('shutdown: SIGTERM during a live call', () => {
  let dir: string;
  const servers: ServerChild[] = [];

  /** A config of its own (store file included) with `limits.drainTimeoutSec`. */
  function config(name: string, drainTimeoutSec: number): string {
    return writeConfig(dir, loopbackConfig(dir, {
      store: { path: join(dir, `${name}.db`) },
      limits: { drainTimeoutSec, overloadRetryAfterSec: 9 },
      log: { level: 'warn' },
      demo: { enabled: true },
    }, 100), `${name}.yaml`);
  }

  /** What a test holds while the gateway drains. */
  interface Live {
    server: ServerChild;
    uac: TestUac;
    placed: PlacedCall;
    /** The record read through the store the instant the gateway's BYE arrived. */
    atBye(): Promise<HandoffRecord | undefined>;
    close(): Promise<void>;
  }

  /**
   * Starts a gateway, places one live call to the demo agent (whose BYE handler reads the
   * record through a store of the test's own), sends SIGTERM, and checks the 503.
   */
  async function liveCallThenSigterm(cfg: string): Promise<Live> {
    const server = await startServer(cfg);
    servers.push(server);
    const store = openStore(loadConfig({ path: cfg, env: {} }));
    const uac = await TestUac.start(server.sipPort);
    const close = async (): Promise<void> => {
      await uac.close();
      await store.close();
    };
    try {
      const tenant = await store.getTenantBySlug('demo');
      assert.ok(tenant);
      const sid = randomUUID();
      let atBye: Promise<HandoffRecord | undefined> | undefined;
      const placed = await uac.call('7001', [[SESSION_HEADER, sid]], () => {
        atBye = store.getHandoffBySharedId(tenant.id, sid);
      });
      assert.equal(placed.response.status, 200);
      server.child.kill('SIGTERM');
      await server.waitFor(/SIGTERM: draining/);
      const refused = await uac.call('7001', [[SESSION_HEADER, randomUUID()]]);
      assert.equal(refused.response.status, 503);
      assert.equal(refused.response.get('Retry-After'), '9');
      return { server, uac, placed, atBye: async () => atBye, close };
    } catch (err) {
      await close();
      throw err;
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-shutdown-'));
  });

  after(() => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('draining: new INVITEs get 503, the live call still runs to its handoff, then the process exits 0', async () => {
    const live = await liveCallThenSigterm(config('finish', 60));
    try {
      assert.ok(live.placed.dialog);
      const [info, bye] = await Promise.all([live.uac.pressDigit(live.placed.dialog, '2'), live.placed.bye()]);
      assert.equal(info, 200);
      assert.equal(bye.get('X-contained'), 'false');
      assert.equal(bye.get('X-destination'), 'support');
      const record = await live.atBye();
      assert.ok(record, 'the record is readable when the BYE arrives');
      assert.equal(record.data['destination'], 'support');
      assert.equal(record.data['ended_by'], 'agent');
      assert.equal(await within(live.server.exited, 'the gateway to exit', EXIT_WAIT_MS), 0);
    } finally {
      await live.close();
    }
  });

  test('past limits.drainTimeoutSec the live call is ended: record, then BYE, then exit 0', async () => {
    const live = await liveCallThenSigterm(config('timeout', 1));
    try {
      const bye = await within(live.placed.bye(), 'the BYE at the drain timeout', EXIT_WAIT_MS);
      assert.ok(bye.get('X-contained') !== undefined, 'the BYE carries the outcome');
      const record = await live.atBye();
      assert.ok(record, 'the record is readable when the BYE arrives');
      assert.equal(record.data['ended_by'], 'system');
      assert.equal(await within(live.server.exited, 'the gateway to exit', EXIT_WAIT_MS), 0);
    } finally {
      await live.close();
    }
  });
});
