/**
 * Environment overrides: the one table of variables that override
 * `agentline.yaml` (secrets and addresses, for containers and CI).
 * Precedence: environment > file > schema defaults. Empty values are ignored.
 */

/** How a variable's text becomes a config value. */
export type EnvKind = 'string' | 'int' | 'bool';

/** One overridable setting. */
export interface EnvOverride {
  /** Variable name. */
  name: string;
  /** Config paths it sets (dot-separated). */
  targets: readonly string[];
  kind: EnvKind;
  /** Top-level sections replaced wholesale before the targets are set (e.g. selecting a store kind). */
  replaces?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** What it is for (shown by `agentline config --help`-style listings). */
  doc: string;
}

/**
 * Every environment override.
 *
 * | variable                  | sets                                  | kind   |
 * |---------------------------|---------------------------------------|--------|
 * | AGENTLINE_CONFIG          | (the config file path, when none given) | string |
 * | AGENTLINE_SIP_HOST        | sip.host                              | string |
 * | AGENTLINE_SIP_PORT        | sip.port                              | int    |
 * | AGENTLINE_SIP_TLS_PORT    | sip.tls.port                          | int    |
 * | AGENTLINE_SIP_IO          | sip.io                                | string |
 * | AGENTLINE_RTP_HOST        | rtp.host                              | string |
 * | AGENTLINE_RTP_PORT_MIN    | rtp.portMin                           | int    |
 * | AGENTLINE_RTP_PORT_MAX    | rtp.portMax                           | int    |
 * | AGENTLINE_RTP_IO          | rtp.io                                | string |
 * | AGENTLINE_RTP_PACER       | rtp.pacer.enabled                     | bool   |
 * | AGENTLINE_RTP_PACER_LEAD_MS | rtp.pacer.leadMs                    | int    |
 * | AGENTLINE_RTP_PACER_PRIORITY | rtp.pacer.priority                 | int    |
 * | AGENTLINE_PUBLIC_ADDRESS  | sip.publicAddress, rtp.publicAddress  | string |
 * | AGENTLINE_HTTP_HOST       | http.host                             | string |
 * | AGENTLINE_HTTP_PORT       | http.port                             | int    |
 * | AGENTLINE_ADMIN_KEY       | api.adminKey                          | string |
 * | AGENTLINE_DB              | store = { kind: sqlite, path }        | string |
 * | AGENTLINE_REDIS_URL       | store = { kind: redis, url }          | string |
 * | AGENTLINE_LOG_LEVEL       | log.level                             | string |
 * | AGENTLINE_MAX_CALLS       | limits.maxCalls                       | int    |
 * | AGENTLINE_DEMO            | demo.enabled                          | bool   |
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { name: 'AGENTLINE_SIP_HOST', targets: ['sip.host'], kind: 'string', doc: 'SIP bind address' },
  { name: 'AGENTLINE_SIP_PORT', targets: ['sip.port'], kind: 'int', doc: 'SIP UDP/TCP port' },
  { name: 'AGENTLINE_SIP_TLS_PORT', targets: ['sip.tls.port'], kind: 'int', doc: 'SIP TLS port (needs sip.tls in the file)' },
  { name: 'AGENTLINE_SIP_IO', targets: ['sip.io'], kind: 'string', doc: 'SIP UDP socket I/O: auto, native or dgram' },
  { name: 'AGENTLINE_RTP_HOST', targets: ['rtp.host'], kind: 'string', doc: 'RTP bind address' },
  { name: 'AGENTLINE_RTP_PORT_MIN', targets: ['rtp.portMin'], kind: 'int', doc: 'first RTP port' },
  { name: 'AGENTLINE_RTP_PORT_MAX', targets: ['rtp.portMax'], kind: 'int', doc: 'last RTP port' },
  { name: 'AGENTLINE_RTP_IO', targets: ['rtp.io'], kind: 'string', doc: 'RTP socket I/O: auto, native or dgram' },
  { name: 'AGENTLINE_RTP_PACER', targets: ['rtp.pacer.enabled'], kind: 'bool', doc: 'send RTP from the pacer thread at each tick\'s due time' },
  { name: 'AGENTLINE_RTP_PACER_LEAD_MS', targets: ['rtp.pacer.leadMs'], kind: 'int', doc: 'how far ahead the event loop builds each tick for the pacer, ms' },
  { name: 'AGENTLINE_RTP_PACER_PRIORITY', targets: ['rtp.pacer.priority'], kind: 'int', doc: 'the pacer thread\'s SCHED_FIFO priority (0: normal)' },
  { name: 'AGENTLINE_PUBLIC_ADDRESS', targets: ['sip.publicAddress', 'rtp.publicAddress'], kind: 'string', doc: 'address advertised in SIP and SDP' },
  { name: 'AGENTLINE_HTTP_HOST', targets: ['http.host'], kind: 'string', doc: 'HTTP bind address' },
  { name: 'AGENTLINE_HTTP_PORT', targets: ['http.port'], kind: 'int', doc: 'HTTP port' },
  { name: 'AGENTLINE_ADMIN_KEY', targets: ['api.adminKey'], kind: 'string', doc: 'admin API key (secret)' },
  { name: 'AGENTLINE_DB', targets: ['store.path'], kind: 'string', replaces: { store: { kind: 'sqlite' } }, doc: 'SQLite file (selects the SQLite store)' },
  { name: 'AGENTLINE_REDIS_URL', targets: ['store.url'], kind: 'string', replaces: { store: { kind: 'redis' } }, doc: 'Redis URL (selects the Redis store)' },
  { name: 'AGENTLINE_LOG_LEVEL', targets: ['log.level'], kind: 'string', doc: 'log level' },
  { name: 'AGENTLINE_MAX_CALLS', targets: ['limits.maxCalls'], kind: 'int', doc: 'concurrent call limit' },
  { name: 'AGENTLINE_DEMO', targets: ['demo.enabled'], kind: 'bool', doc: 'create the demo tenant and agent' },
];

/** Variable naming the config file when the caller gives no path. */
export const CONFIG_PATH_ENV = 'AGENTLINE_CONFIG';

/** Converts a variable's text; a value that does not convert is kept as text so the schema reports it. */
export function convertEnv(kind: EnvKind, text: string): unknown {
  const t = text.trim();
  if (kind === 'int') return /^-?\d+$/.test(t) ? Number(t) : text;
  if (kind === 'bool') {
    if (/^(1|true|yes|on)$/i.test(t)) return true;
    if (/^(0|false|no|off)$/i.test(t)) return false;
  }
  return text;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sets `path` in `root`, creating mappings; leaves a non-mapping in the way untouched (the schema reports it). */
function setPath(root: Tree, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    const next = node[key];
    if (!isTree(next)) return;
    node = next;
  }
  node[path.at(-1)!] = value;
}

/**
 * Applies every set variable to `raw` (mutated) and returns, per config path
 * it set, the variable's name (to say where a bad value came from).
 * Selecting a store kind replaces the whole `store` mapping.
 * @throws Error naming both variables when AGENTLINE_DB and AGENTLINE_REDIS_URL are both set
 */
export function applyEnv(raw: Tree, env: Record<string, string | undefined>): Map<string, string> {
  const origin = new Map<string, string>();
  const set = ENV_OVERRIDES.filter((o) => (env[o.name] ?? '') !== '');
  if (set.some((o) => o.name === 'AGENTLINE_DB') && set.some((o) => o.name === 'AGENTLINE_REDIS_URL')) {
    throw new Error('AGENTLINE_DB and AGENTLINE_REDIS_URL are both set: choose one store');
  }
  for (const o of set) {
    const value = convertEnv(o.kind, env[o.name]!);
    for (const [section, base] of Object.entries(o.replaces ?? {})) {
      raw[section] = { ...base };
      origin.set(section, o.name);
    }
    for (const target of o.targets) {
      setPath(raw, target.split('.'), value);
      origin.set(target, o.name);
    }
  }
  return origin;
}
