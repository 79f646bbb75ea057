import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { AgentlineError, errorFor } from './errors.ts';
import { callLogger, createLogger, deferredLogger, resolveLogLevel } from './logger.ts';

/** A logger writing into an array of parsed lines (pino writes synchronously to a plain stream). */
function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { log: createLogger({ env: {}, ...options, destination: stream }), lines, flush: () => new Promise<void>((r) => setImmediate(r)) };
}

describe('resolveLogLevel', () => {
  it('option, then AGENTLINE_LOG_LEVEL, then info', () => {
    assert.equal(resolveLogLevel('debug', { AGENTLINE_LOG_LEVEL: 'warn' }), 'debug');
    assert.equal(resolveLogLevel(undefined, { AGENTLINE_LOG_LEVEL: 'WARN' }), 'warn');
    assert.equal(resolveLogLevel(undefined, {}), 'info');
  });
  it('unknown level -> config_invalid', () => {
    assert.throws(() => resolveLogLevel('loud', {}), (e: unknown) => e instanceof AgentlineError && e.code === 'config_invalid');
  });
});

describe('createLogger', () => {
  it('writes JSON lines with level as a word and ISO time, filtering by level', async () => {
    const { log, lines, flush } = capture({ level: 'info' });
    log.debug('hidden');
    log.info({ port: 5060 }, 'listening');
    await flush();
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.['level'], 'info');
    assert.equal(line?.['msg'], 'listening');
    assert.equal(line?.['port'], 5060);
    assert.match(String(line?.['time']), /^\d{4}-\d\d-\d\dT/);
    assert.equal(line?.['pid'], undefined);
  });
  it('takes the level from the environment', async () => {
    const { log, lines, flush } = capture({ env: { AGENTLINE_LOG_LEVEL: 'debug' } });
    log.debug('shown');
    await flush();
    assert.equal(lines.length, 1);
  });
  it('redacts tokens and API keys', async () => {
    const { log, lines, flush } = capture();
    log.info({ token: 't0k3n', headers: { 'x-api-key': 'k', authorization: 'Bearer k', 'x-polyai-auth-token': 't' }, agent: { token: 'x' } }, 'r');
    await flush();
    const text = JSON.stringify(lines[0]);
    for (const secret of ['t0k3n', '"k"', 'Bearer k', '"t"', '"x"']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.ok(text.includes('[redacted]'));
  });
  it('serializes errors with their code', async () => {
    const { log, lines, flush } = capture();
    log.error({ err: errorFor('agent_busy', { agent: 'demo' }) }, 'rejected');
    await flush();
    const err = lines[0]?.['err'] as Record<string, unknown>;
    assert.equal(err['code'], 'agent_busy');
    assert.equal(err['message'], 'agent at concurrency limit [agent:demo]');
    assert.equal(err['type'], 'AgentlineError');
  });
  it('adds base fields', async () => {
    const { log, lines, flush } = capture({ base: { node: 'gw-1' } });
    log.info('x');
    await flush();
    assert.equal(lines[0]?.['node'], 'gw-1');
  });
});

describe('callLogger', () => {
  it('every line carries callId, sharedId, tenant, agent', async () => {
    const { log, lines, flush } = capture();
    const call = callLogger(log, { callId: 'abc@10.0.0.1', sharedId: 'S1', tenant: 'acme', agent: 'billing-bot' });
    call.info('answered');
    call.child({ leg: 'media' }).warn('late packet');
    await flush();
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.equal(l['callId'], 'abc@10.0.0.1');
      assert.equal(l['sharedId'], 'S1');
      assert.equal(l['tenant'], 'acme');
      assert.equal(l['agent'], 'billing-bot');
    }
    assert.equal(lines[1]?.['leg'], 'media');
  });
  it('leaves out what is unknown (no shared id)', async () => {
    const { log, lines, flush } = capture();
    callLogger(log, { callId: 'c1' }).info('no shared id');
    await flush();
    assert.equal(lines[0]?.['callId'], 'c1');
    assert.equal('sharedId' in (lines[0] ?? {}), false);
  });
});

describe('deferredLogger', () => {
  it('makes the real logger only when a line is written at an enabled level', async () => {
    const { log, lines, flush } = capture({ level: 'warn' });
    let made = 0;
    const lazy = deferredLogger(() => {
      made++;
      return callLogger(log, { callId: 'c1' });
    }, log);
    lazy.info({ port: 1 }, 'below the level');
    lazy.debug('below the level');
    assert.equal(made, 0);
    lazy.warn({ n: 2 }, 'written');
    await flush();
    assert.equal(made, 1);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['callId'], 'c1');
    assert.equal(lines[0]?.['n'], 2);
  });
  it('forwards everything else (child, level) to the real logger', async () => {
    const { log, lines, flush } = capture();
    const real = callLogger(log, { callId: 'c2' });
    const lazy = deferredLogger(() => real, log);
    assert.equal(lazy.level, 'info');
    lazy.child({ leg: 'media' }).info('from a child');
    assert.equal(lazy.isLevelEnabled('debug'), false);
    await flush();
    assert.equal(lines[0]?.['callId'], 'c2');
    assert.equal(lines[0]?.['leg'], 'media');
  });
});
