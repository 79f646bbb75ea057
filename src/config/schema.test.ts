import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { parseConfig } from './load.ts';
import { isCidr } from './schema.ts';

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'config_invalid');
    assert.ok(!err.message.includes('    at '), 'no stack trace in the message');
    for (const p of err.problems) assert.ok(err.message.includes(p));
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

describe('config schema', () => {
  it('fills every default from an empty mapping, binding loopback', () => {
    const c = parseConfig({});
    assert.deepEqual(c.sip, { host: '127.0.0.1', port: 5060, udp: true, tcp: true, io: 'auto' });
    assert.deepEqual(c.rtp, { host: '127.0.0.1', portMin: 20000, portMax: 29999, io: 'auto', pacer: { enabled: true, leadMs: 20, priority: 10 } });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(c.store, { kind: 'sqlite', path: './data/agentline.db', documentCacheMb: 32 });
    assert.deepEqual(c.limits, { maxCalls: 1000, maxCallDurationSec: 3600, sessionExpiresSec: 1800, overloadRetryAfterSec: 5, drainTimeoutSec: 30 });
    assert.deepEqual(c.trunks, [{
      name: 'local', sources: ['127.0.0.1/32', '::1/128'], onDenied: 'reject', tokenHeader: 'X-PolyAi-Auth-Token',
      sharedIdHeaders: ['X-five9sessionid', 'X-CallSessionID'], byeHeaders: { contained: 'X-contained', destination: 'X-destination' },
      transfer: 'bye',
    }]);
    assert.deepEqual(c.handoff, { retentionDays: 7, maxDataBytes: 16 * 1024 * 1024, maxWaitSec: 30 });
    assert.deepEqual(c.api, { rateLimit: { perKeyPerSec: 100, burst: 200 } });
    assert.equal(c.log.level, 'info');
    assert.deepEqual(c.demo, { enabled: false, tenant: 'demo', agent: 'demo', extension: '7001', destinations: ['billing', 'support'] });
  });

  it('fills trunk defaults per entry and keeps given values', () => {
    const c = parseConfig({
      trunks: [
        { name: 'five9', sources: ['198.51.100.0/24'], byeHeaders: { contained: 'X-Contained' } },
        { name: 'genesys', sources: ['2001:db8::/32'], transfer: 'refer', referTarget: 'sip:{destination}@cc' },
      ],
      store: { path: '/var/lib/agentline.db' },
    });
    assert.deepEqual(c.trunks[0]?.byeHeaders, { contained: 'X-Contained', destination: 'X-destination' });
    assert.equal(c.trunks[0]?.tokenHeader, 'X-PolyAi-Auth-Token');
    assert.equal(c.trunks[1]?.transfer, 'refer');
    assert.deepEqual(c.store, { kind: 'sqlite', path: '/var/lib/agentline.db', documentCacheMb: 32 });
    assert.deepEqual(parseConfig({ store: { kind: 'redis', url: 'redis://r:6379' } }).store, { kind: 'redis', url: 'redis://r:6379' });
  });

  it('reports wrong types with the key path and the value', () => {
    assert.deepEqual(problems({ sip: { port: 'abc' } }), ['sip.port: expected a number between 0 and 65535, got "abc"']);
    assert.deepEqual(problems({ sip: { port: 70000 } }), ['sip.port: expected a number between 0 and 65535, got 70000']);
    assert.deepEqual(problems({ sip: { udp: 'yes' } }), ['sip.udp: expected a boolean, got "yes"']);
    assert.deepEqual(problems({ log: { level: 'loud' } }), [
      'log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"',
    ]);
    assert.deepEqual(problems({ demo: 'on' }), ['demo: expected a mapping, got "on"']);
    assert.deepEqual(problems({ trunks: [{ sources: [] }] }), ['trunks[0].name: required']);
    assert.deepEqual(problems({ store: { kind: 'mongo' } }), ['store.kind: expected one of "sqlite", "redis", got "mongo"']);
  });

  it('rejects unknown keys, naming them with a hint', () => {
    assert.deepEqual(problems({ sip: { prot: 5060 }, limts: {} }), [
      'sip.prot: unknown key (did you mean "port"?)',
      'limts: unknown key (did you mean "limits"?)',
    ]);
    assert.deepEqual(problems({ trunks: [{ name: 'a', sorces: [] }] }), ['trunks[0].sorces: unknown key (did you mean "sources"?)']);
    assert.deepEqual(problems({ store: { kind: 'redis', url: 'redis://x', path: 'p' } }), ['store.path: unknown key']);
    assert.deepEqual(problems({ zzz: 1 }), ['zzz: unknown key']);
  });

  it('names an invalid CIDR by its position', () => {
    assert.deepEqual(problems({ trunks: [{ name: 'a', sources: ['10.0.0.0/8', '10.0.0.0/33'] }] }), [
      'trunks[0].sources[1]: invalid CIDR "10.0.0.0/33"',
    ]);
  });

  it('checks cross-field rules', () => {
    assert.deepEqual(problems({ rtp: { portMin: 30000, portMax: 30000 } }), ['rtp.portMax: must be greater than rtp.portMin']);
    assert.match(problems({ rtp: { io: 'epoll' } }).join('\n'), /^rtp\.io: .*auto.*native.*dgram/);
    assert.match(problems({ sip: { io: 'epoll' } }).join('\n'), /^sip\.io: .*auto.*native.*dgram/);
    assert.deepEqual(problems({ rtp: { pacer: { leadMs: 50, priority: -1 } } }), [
      'rtp.pacer.leadMs: expected a number between 1 and 40, got 50',
      'rtp.pacer.priority: expected a number between 0 and 99, got -1',
    ]);
    assert.deepEqual(problems({ rtp: { pacer: { lead: 10 } } }), ['rtp.pacer.lead: unknown key (did you mean "leadMs"?)']);
    assert.deepEqual(problems({ sip: { udp: false, tcp: false } }), ['sip: enable at least one transport (udp, tcp or tls)']);
    assert.deepEqual(problems({ trunks: [{ name: 'a', transfer: 'refer' }] }), ['trunks[0].referTarget: required when transfer is "refer"']);
    assert.deepEqual(problems({ trunks: [{ name: 'a' }, { name: 'a' }] }), ['trunks[1].name: duplicate trunk name "a"']);
    assert.deepEqual(problems({ trunks: [] }), ['trunks: list at least one trunk']);
    assert.deepEqual(problems({ trunks: [{ name: 'a', tokenHeader: 'X Bad:' }] }), ['trunks[0].tokenHeader: invalid SIP header name "X Bad:"']);
    assert.deepEqual(problems({ limits: { sessionExpiresSec: 30 } }), ['limits.sessionExpiresSec: expected a number between 90 and 86400, got 30']);
    assert.deepEqual(problems({ api: { adminKey: 'short' } }), ['api.adminKey: must be at least 16 characters']);
  });

  it('validates CIDRs like the routing parser', () => {
    for (const ok of ['0.0.0.0/0', '10.0.0.0/8', '1.2.3.4', '::/0', '::1/128', '2001:db8::/32', '::ffff:1.2.3.4/128']) assert.equal(isCidr(ok), true, ok);
    for (const bad of ['10.0.0.0/33', '::/129', '1.2.3.4/', 'host/8', '', '1.2.3.4/-1', '10/8']) assert.equal(isCidr(bad), false, bad);
  });
});
