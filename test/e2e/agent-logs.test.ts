/**
 * End to end: an agent's log lines carry the call's ids. The flow agent used to get a
 * silent logger (the call made it without host options), so a prompt that could not play
 * was never reported. Here a flow whose prompt file is missing warns, through the call's
 * logger, with the conversation id, shared id, tenant and agent, and the call still ends.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/obs/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { until } from '../support/wait.ts';
import { TestUac } from './uac.ts';

/** Log lines written by the gateway, parsed. */
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
    done();
  },
});

describe('agent logs', () => {
  let gw: TestGateway;
  let uac: TestUac;

  before(async () => {
    gw = await startTestGateway('agent-logs', {}, { logger: createLogger({ level: 'info', destination: sink }) });
    const tenant = await gw.store.createTenant({ slug: 'logs', name: 'Logs' });
    await gw.store.createAgent({
      tenantId: tenant.id, slug: 'prompter', name: 'Prompter', kind: 'flow', extension: '7301', destinations: ['billing'],
      config: {
        flow: {
          start: 'hello',
          steps: {
            hello: { play: '/nonexistent/agentline-missing-prompt.wav', next: 'out' },
            out: { handoff: { destination: 'billing' } },
          },
        },
      },
    });
    uac = await TestUac.start(gw.sipPort);
  });

  after(async () => {
    await uac?.close();
    await gw?.close();
  });

  test("a flow's failed prompt is logged with the call's ids, and the call goes on to its handoff", async () => {
    const sid = randomUUID();
    const placed = await uac.call('7301', [['X-five9sessionid', sid]]);
    assert.equal(placed.response.status, 200);
    const bye = await placed.bye();
    assert.equal(bye.get('X-destination'), 'billing');
    await until(() => lines.some((l) => l['msg'] === 'flow prompt failed; continuing'), 'the warning');
    const warning = lines.find((l) => l['msg'] === 'flow prompt failed; continuing') as Record<string, unknown>;
    assert.equal(warning['level'], 'warn');
    assert.equal(warning['sharedId'], sid);
    assert.equal(warning['tenant'], 'logs');
    assert.equal(warning['agent'], 'prompter');
    assert.match(String(warning['conversationId']), /^[0-9a-f-]{36}$/);
  });
});
