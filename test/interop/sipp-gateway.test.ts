/**
 * Interop: SIPp (Debian's sip-tester) as the contact center against a real gateway
 * (startGateway with a temp SQLite database and the demo agent) over UDP and TCP. Each
 * scenario places calls (by extension, by token, contained), sends DTMF by SIP INFO
 * (`application/dtmf-relay`) after the 200/ACK, and checks the gateway's BYE headers with
 * `<ereg check_it="true">`: SIPp exits 0 only when every call got the right outcome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../../src/app.ts';
import { parseConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/obs/index.ts';
import { freePort, haveSipp, runSipp, type SippResult } from '../support/sipp.ts';
import { loopbackConfig } from '../support/gateway-config.ts';

const TOKEN = 'alt_sipp-demo-token-0123456789abcdef';
const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.xml`, import.meta.url));

function assertAllPassed(r: SippResult, calls: number): void {
  const detail = `sipp exit ${r.code}, ${r.successful} ok, ${r.failed} failed\n${r.errors}\n${r.stdout}`;
  assert.equal(r.code, 0, detail);
  assert.equal(r.successful, calls, detail);
  assert.equal(r.failed, 0, detail);
}

describe('SIPp against the gateway', { skip: !haveSipp() && !process.env.CI && 'sipp (sip-tester) is not installed' }, () => {
  let dir: string;
  let gw: Gateway;
  let tenantId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-sipp-'));
    gw = await startGateway(parseConfig(loopbackConfig(dir, {
      demo: { enabled: true, token: TOKEN },
    }, 400)), { logger: createLogger({ level: 'silent' }) });
    const tenant = await gw.store.getTenantBySlug('demo');
    assert.ok(tenant);
    tenantId = tenant.id;
  });

  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one scenario; `-mp` on a free port so parallel runs do not share SIPp's media port. */
  async function run(name: string, transport: 'u1' | 't1', service: string, calls: number, extra: string[] = []): Promise<SippResult> {
    const mp = await freePort();
    return runSipp({
      target: `127.0.0.1:${gw.sipPort}`, scenario: scenario(name), transport, service, calls, rate: 10,
      extra: ['-mp', String(mp), ...extra],
    });
  }

  for (const transport of ['u1', 't1'] as const) {
    const over = transport === 'u1' ? 'UDP' : 'TCP';

    test(`${over}: by extension 7001, DTMF 1 by INFO → BYE X-contained: false, X-destination: billing`, async () => {
      assertAllPassed(await run('gateway-extension', transport, '7001', 3), 3);
    });

    test(`${over}: by token (X-PolyAi-Auth-Token), DTMF 1 by INFO → the same handoff`, async () => {
      assertAllPassed(await run('gateway-token', transport, 'anything', 3, ['-key', 'token', TOKEN]), 3);
    });

    test(`${over}: DTMF 3 by INFO → BYE X-contained: true`, async () => {
      assertAllPassed(await run('gateway-contained', transport, '7001', 3), 3);
    });
  }

  test('every SIPp call left a handoff record readable by its shared id', async () => {
    const page = await gw.store.listCalls({ tenantId, limit: 100 });
    const ended = page.items.filter((c) => c.sharedId?.startsWith('sipp-'));
    assert.equal(ended.length, 18);
    for (const c of ended) {
      const record = await gw.store.getHandoffBySharedId(tenantId, c.sharedId as string);
      assert.ok(record, `record for ${c.sharedId}`);
    }
  });
});
