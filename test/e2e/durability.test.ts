/**
 * End to end, durability (ARCHITECTURE.md "Scale": the record is fsynced before its BYE
 * leaves the node). The gateway runs as a child process (`agentline serve`); a UAC on
 * our stack calls the demo agent, presses 1 by SIP INFO, and SIGKILLs the gateway the
 * instant the BYE arrives. The gateway restarts on the same SQLite file, and the
 * handoff record read through the store must be there, exactly as the BYE announced.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { rtpRange, startServer, writeConfig, type ServerChild } from './cli-run.ts';
import { TestUac, within } from './uac.ts';

describe('durability: SIGKILL at the BYE loses no handoff record', () => {
  let dir: string;
  let cfg: string;
  const servers: ServerChild[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-durable-'));
    cfg = writeConfig(dir, {
      sip: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      rtp: { host: '127.0.0.1', ...rtpRange() },
      store: { path: join(dir, 'agentline.db') },
      log: { level: 'warn' },
      demo: { enabled: true },
    });
  });

  after(() => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the record is readable after the gateway is killed at the BYE and restarted', async () => {
    const first = await startServer(cfg);
    servers.push(first);
    const uac = await TestUac.start(first.sipPort);
    const sid = randomUUID();
    let killedAtBye = false;
    try {
      const placed = await uac.call('7001', [['X-five9sessionid', sid]], () => {
        first.child.kill('SIGKILL'); // at once: nothing after the BYE may be needed for the record
        killedAtBye = true;
      });
      assert.equal(placed.response.status, 200);
      assert.ok(placed.dialog);
      const [info, bye] = await Promise.all([uac.pressDigit(placed.dialog, '1'), placed.bye()]);
      assert.equal(info, 200);
      assert.equal(bye.get('X-destination'), 'billing');
      assert.equal(await within(first.exited, 'the killed gateway to exit'), 'SIGKILL');
      assert.ok(killedAtBye);
    } finally {
      await uac.close();
    }

    const second = await startServer(cfg);
    servers.push(second);
    const store = openStore(loadConfig({ path: cfg, env: {} }));
    try {
      const tenant = await store.getTenantBySlug('demo');
      assert.ok(tenant);
      const record = await store.getHandoffBySharedId(tenant.id, sid);
      assert.ok(record, 'the handoff record survived SIGKILL');
      assert.equal(record.data['contained'], false);
      assert.equal(record.data['destination'], 'billing');
      assert.equal(record.data['ended_by'], 'agent');
    } finally {
      await store.close();
    }
    second.child.kill('SIGTERM');
    assert.equal(await within(second.exited, 'the restarted gateway to exit', 20_000), 0);
  });
});
