/**
 * The configuration every test gateway starts from: everything on loopback with ports the
 * OS picks (SIP and HTTP port 0), a random even RTP range (tests run in parallel), the
 * SQLite file in the test's own folder, and no logging. Tests add what they exercise.
 */
import { join } from 'node:path';

/**
 * A raw config (for `parseConfig`) rooted in `dir`; top-level keys of `overrides` replace
 * the defaults (`log`, `rtp`…), so a test that sets `rtp` gives the whole section.
 * @param rtpPorts size of the RTP range (default 200 ports)
 */
export function loopbackConfig(dir: string, overrides: Record<string, unknown> = {}, rtpPorts = 200): Record<string, unknown> {
  return {
    sip: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { host: '127.0.0.1', ...rtpPortRange(rtpPorts) },
    store: { path: join(dir, 'agentline.db') },
    log: { level: 'silent' },
    ...overrides,
  };
}

/**
 * An RTP port range of `size` ports from a random even base in 10000–19998, so that test
 * files running in parallel rarely pick the same ports. Below Linux's ephemeral range
 * (32768–60999), where other tests' sockets bound to port 0 land, and apart from the
 * benchmarks' RTP ranges (bench/cps-gateway.ts 20000–29999, bench/media-ports.ts 34000+):
 * a range inside ports already bound answers INVITEs 503.
 */
export function rtpPortRange(size: number): { portMin: number; portMax: number } {
  const base = 10000 + 2 * Math.floor(Math.random() * 5000);
  return { portMin: base, portMax: base + size };
}
