/**
 * Interop: SIPp (Debian's sip-tester) drives a small UAS built on our SIP stack
 * (test/support/test-uas.ts) over UDP and TCP: OPTIONS, INVITE/200/ACK/BYE, CANCEL
 * before the answer, and calls under 10 % packet loss that must all complete through
 * retransmissions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runSipp, type SippResult } from '../support/sipp.ts';
import { startTestUas, type TestUas } from '../support/test-uas.ts';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.xml`, import.meta.url));

function assertAllPassed(r: SippResult, calls: number): void {
  const detail = `sipp exit ${r.code}, ${r.successful} ok, ${r.failed} failed\n${r.errors}\n${r.stdout}`;
  assert.equal(r.code, 0, detail);
  assert.equal(r.successful, calls, detail);
  assert.equal(r.failed, 0, detail);
}

for (const transport of ['u1', 't1'] as const) {
  describe(`SIPp against the stack over ${transport === 'u1' ? 'UDP' : 'TCP'}`, () => {
    let uas: TestUas;
    let ringing: TestUas;
    before(async () => {
      uas = await startTestUas();
      ringing = await startTestUas({ ringMs: 3000 });
    });
    after(async () => {
      await uas.close();
      await ringing.close();
    });

    test('OPTIONS is answered 200 with Allow', async () => {
      assertAllPassed(await runSipp({ target: `127.0.0.1:${uas.port}`, scenario: scenario('options'), transport, calls: 3 }), 3);
    });

    test('INVITE, 200, ACK, BYE: every call completes', async () => {
      const r = await runSipp({ target: `127.0.0.1:${uas.port}`, scenario: 'builtin:uac', transport, calls: 10, rate: 20, extra: ['-d', '200'] });
      assertAllPassed(r, 10);
      assert.ok(uas.stats.byesReceived >= 10);
    });

    test('CANCEL before the answer gets 200 and the INVITE 487', async () => {
      const r = await runSipp({ target: `127.0.0.1:${ringing.port}`, scenario: scenario('cancel'), transport, calls: 3 });
      assertAllPassed(r, 3);
      assert.equal(ringing.stats.cancelled, 3);
      assert.equal(ringing.stats.answered, 0);
    });
  });
}

describe('SIPp with 10 % packet loss over UDP', () => {
  let uas: TestUas;
  before(async () => { uas = await startTestUas(); });
  after(async () => { await uas.close(); });

  test('every call still completes through retransmissions', async () => {
    const r = await runSipp({
      target: `127.0.0.1:${uas.port}`, scenario: 'builtin:uac', transport: 'u1', calls: 20, rate: 20,
      extra: ['-d', '200', '-lost', '10'], timeoutSec: 60,
    });
    assertAllPassed(r, 20);
  });
});
