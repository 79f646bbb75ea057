import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convertEnv } from './env.ts';
import { ConfigError } from './errors.ts';
import { exampleConfigYaml } from './example.ts';
import { loadConfig, parseConfig } from './load.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentline-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function loadError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'config_invalid');
    assert.ok(!/\n\s+at /.test(err.message), 'no stack trace in the message');
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('without a file: defaults, loopback, demo enabled', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.demo.enabled, true);
    assert.equal(c.sip.host, '127.0.0.1');
    assert.equal(c.http.host, '127.0.0.1');
    assert.deepEqual(c.trunks[0]?.sources, ['127.0.0.1/32', '::1/128']);
    assert.equal(loadConfig({ env: { AGENTLINE_DEMO: 'false' } }).demo.enabled, false);
  });

  it('reads a YAML file; demo stays off unless the file enables it', async () => {
    const path = await file('ok.yaml', 'sip:\n  port: 5080\ntrunks:\n  - name: five9\n    sources: [198.51.100.0/24]\n');
    const c = loadConfig({ path, env: {} });
    assert.equal(c.sip.port, 5080);
    assert.equal(c.trunks[0]?.name, 'five9');
    assert.equal(c.demo.enabled, false);
    assert.deepEqual(loadConfig({ path: await file('empty.yaml', '# nothing\n'), env: {} }), parseConfig({}));
  });

  it('takes the path from AGENTLINE_CONFIG when none is given', async () => {
    const path = await file('env-path.yaml', 'http:\n  port: 9090\n');
    assert.equal(loadConfig({ env: { AGENTLINE_CONFIG: path } }).http.port, 9090);
  });

  it('lets the environment override the file', async () => {
    const path = await file('env.yaml', 'sip:\n  host: 10.0.0.5\n  port: 5070\nhttp:\n  port: 8000\nlog:\n  level: warn\n');
    const c = loadConfig({
      path,
      env: {
        AGENTLINE_SIP_PORT: '5999', AGENTLINE_HTTP_PORT: '8999', AGENTLINE_PUBLIC_ADDRESS: '203.0.113.7',
        AGENTLINE_ADMIN_KEY: 'k'.repeat(32), AGENTLINE_LOG_LEVEL: 'debug', AGENTLINE_SIP_HOST: '', AGENTLINE_SIP_IO: 'dgram',
      },
    });
    assert.equal(c.sip.port, 5999);
    assert.equal(c.sip.host, '10.0.0.5', 'an empty variable is ignored');
    assert.equal(c.http.port, 8999);
    assert.equal(c.sip.publicAddress, '203.0.113.7');
    assert.equal(c.rtp.publicAddress, '203.0.113.7');
    assert.equal(c.api.adminKey, 'k'.repeat(32));
    assert.equal(c.log.level, 'debug');
    assert.equal(c.sip.io, 'dgram');
  });

  it('selects the store from AGENTLINE_DB or AGENTLINE_REDIS_URL, not both', async () => {
    const path = await file('store.yaml', 'store:\n  kind: redis\n  url: redis://r:6379\n');
    assert.deepEqual(loadConfig({ path, env: { AGENTLINE_DB: '/tmp/x.db' } }).store, { kind: 'sqlite', path: '/tmp/x.db', documentCacheMb: 32 });
    assert.deepEqual(loadConfig({ env: { AGENTLINE_REDIS_URL: 'redis://h:1' } }).store, { kind: 'redis', url: 'redis://h:1' });
    const err = loadError({ env: { AGENTLINE_DB: 'a.db', AGENTLINE_REDIS_URL: 'redis://h' } });
    assert.match(err.message, /AGENTLINE_DB and AGENTLINE_REDIS_URL/);
  });

  it('names the variable behind a bad value', () => {
    const err = loadError({ env: { AGENTLINE_SIP_PORT: 'abc' } });
    assert.deepEqual(err.problems, ['sip.port: expected a number between 0 and 65535, got "abc" (from AGENTLINE_SIP_PORT)']);
  });

  it('reports a wrong type and an unknown key from a file', async () => {
    const path = await file('bad.yaml', 'sip:\n  port: abc\n  prot: 1\n');
    const err = loadError({ path, env: {} });
    assert.deepEqual(err.problems, [
      'sip.port: expected a number between 0 and 65535, got "abc"',
      'sip.prot: unknown key (did you mean "port"?)',
    ]);
    assert.ok(err.message.includes(path));
  });

  it('reports a bad CIDR from a file', async () => {
    const path = await file('cidr.yaml', 'trunks:\n  - name: t\n    sources: [10.0.0.0/8, 10.0.0.0/33]\n');
    assert.deepEqual(loadError({ path, env: {} }).problems, ['trunks[0].sources[1]: invalid CIDR "10.0.0.0/33"']);
  });

  it('names line and column of a YAML syntax error', async () => {
    const path = await file('syntax.yaml', 'sip:\n  port: 5060\nhttp: [1, 2\n');
    const err = loadError({ path, env: {} });
    assert.match(err.problems[0] ?? '', /^line \d+, column \d+: YAML syntax error: /);
    const dup = loadError({ path: await file('dup.yaml', 'sip: {}\nsip: {}\n'), env: {} });
    assert.match(dup.problems[0] ?? '', /^line 2, column 1: YAML syntax error: .*unique/);
    const top = loadError({ path: await file('list.yaml', '- a\n- b\n'), env: {} });
    assert.deepEqual(top.problems, ['(top level): expected a mapping of sections, got a list']);
  });

  it('names the path of a missing or unreadable file', async () => {
    const missing = join(dir, 'missing.yaml');
    assert.deepEqual(loadError({ path: missing, env: {} }).problems, [`${missing}: file not found`]);
    const locked = await file('locked.yaml', 'sip: {}\n');
    await chmod(locked, 0o000);
    if (process.getuid?.() !== 0) assert.match(loadError({ path: locked, env: {} }).problems[0] ?? '', /cannot read file \(EACCES\)/);
  });

  it('converts environment text by kind, leaving bad text for the schema to report', () => {
    assert.equal(convertEnv('int', ' 42 '), 42);
    assert.equal(convertEnv('int', '4.2'), '4.2');
    assert.equal(convertEnv('bool', 'YES'), true);
    assert.equal(convertEnv('bool', 'off'), false);
    assert.equal(convertEnv('bool', 'maybe'), 'maybe');
  });
});

describe('example config', () => {
  it('loads back cleanly and matches the defaults it documents', async () => {
    const path = await file('agentline.yaml', exampleConfigYaml());
    const c = loadConfig({ path, env: {} });
    const defaults = parseConfig({});
    assert.deepEqual({ ...c, demo: { ...c.demo, enabled: false } }, defaults);
    assert.equal(c.demo.enabled, true);
  });
});
