/**
 * End to end, `agentline call`: the command (registered on a fresh commander program, as
 * src/cli/main.ts does) against a real gateway: one call pressing 1 with `--json`, the
 * human output, load mode's summary, and the refusal of an 11th custom header.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import type { CallReport, LoadSummary } from '../../src/ccsim/index.ts';
import { registerCallCommand } from '../../src/cli/commands/call.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';

const API_KEY = 'alk_e2e-ccsim-cli-0123456789abcdef';

/** Runs `agentline call ...args`; returns stdout, stderr and the exit code it set. */
async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command('agentline').exitOverride();
  registerCallCommand(program);
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  const saved = process.exitCode;
  try {
    await program.parseAsync(['node', 'agentline', 'call', ...args]);
    return { out: out.join('\n'), err: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    console.log = log;
    process.stderr.write = write;
    process.exitCode = saved;
  }
}

describe('agentline call', () => {
  let gw: TestGateway;
  let target: string;
  let apiArgs: string[];

  before(async () => {
    gw = await startTestGateway('ccsim-cli', { demo: { enabled: true, apiKey: API_KEY } }, { rtpPorts: 400 });
    target = `127.0.0.1:${gw.sipPort}`;
    // Without the Handoff API yet, point the query at a port where nothing listens.
    apiArgs = ['--api', `http://127.0.0.1:${gw.httpPort ?? 9}`, '--api-key', API_KEY, '--retries', '0'];
  });

  after(async () => {
    await gw?.close();
  });

  test('one call pressing 1, --json: the report carries the variables and the decision', async () => {
    const { out, code } = await run([target, '--extension', '7001', '--ani', '5551234', '--press', '1@200ms', '--max-call', '10s', ...apiArgs, '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(out) as CallReport;
    assert.equal(report.answer.status, 200);
    assert.deepEqual([report.variables['contained'], report.variables['destination']], ['false', 'billing']);
    assert.equal(report.decision.action, 'transfer');
    assert.equal(report.decision.skill, 'billing');
    assert.equal(report.decision.source, gw.httpPort === undefined ? 'bye_headers' : 'handoff_api');
    assert.doesNotMatch(out, new RegExp(API_KEY), 'the key is never printed');
  });

  test('one call, for a person: the steps of the script', async () => {
    const { out, code } = await run([target, '--press', '1@200ms', '--skill', 'billing=Billing_Queue', ...apiArgs]);
    assert.equal(code, 0);
    assert.match(out, /INVITE sip:7001@127\.0\.0\.1:\d+/);
    assert.match(out, /X-destination: billing/);
    assert.match(out, /Return from the agent: variables contained=false destination=billing/);
    assert.match(out, /Query module: GET http:\/\/127\.0\.0\.1:\d+\/v1\/demo\/demo\/handoff_state\?shared_id=/);
    assert.match(out, /Case: transfer to skill Billing_Queue/);
  });

  test('load mode: summary with no failed call', async () => {
    const { out, err, code } = await run([target, '--calls', '10', '--rate', '50', '--concurrency', '10', '--press', '1@100ms', '--max-call', '10s', ...apiArgs, '--json']);
    assert.equal(code, 0, out);
    const summary = JSON.parse(out) as LoadSummary;
    assert.equal(summary.completed, 10);
    assert.deepEqual(summary.answers, { 200: 10 });
    assert.deepEqual(summary.decisions, { 'transfer:billing': 10 });
    assert.match(err, /calls 10\/10 started/);
  });

  test('an 11th custom header is refused with a clear error, nothing is sent', async () => {
    const headers = Array.from({ length: 10 }, (_, i) => ['-H', `X-Var${i}: v`]).flat();
    await assert.rejects(run([target, ...headers]), (e: Error) => /at most 10 custom headers.*ccsim_too_many_headers/.test(e.message));
  });
});
