/**
 * The `agentline.yaml` schema, with every default in one place. Objects are
 * strict: an unknown key is an error (typos are caught, not ignored).
 * With no file at all, `configSchema.parse({})` plus `demo.enabled: true`
 * gives a working loopback-only gateway.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** 1 MiB in bytes. */
const MiB = 1024 * 1024;

/** Renders a value for an error message: strings quoted, objects named. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return String(v);
}

/** An integer in [min, max] with one message for every failure. */
function intIn(min: number, max: number, what = 'a number') {
  const error = (iss: { input?: unknown }): string => `expected ${what} between ${min} and ${max}, got ${describeValue(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const port = () => intIn(0, 65535);

/** True for `a.b.c.d/n` (n ≤ 32), `x::y/n` (n ≤ 128) or a bare address. Mirrors routing's parser. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const family = isIP(addr);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = text.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const cidr = z.string().refine(isCidr, { error: (iss) => `invalid CIDR ${describeValue(iss.input)}` });

/** SIP header names are RFC 3261 tokens. */
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const headerName = z.string().regex(HEADER_TOKEN, { error: (iss) => `invalid SIP header name ${describeValue(iss.input)}` });

const nonEmpty = z.string().min(1, { error: 'must not be empty' });
const host = nonEmpty;
const slug = z.string().regex(/^[a-z0-9-]{1,64}$/, { error: (iss) => `expected a slug ([a-z0-9-]), got ${describeValue(iss.input)}` });

/** `sip:` — signalling listeners. */
export const sipSchema = z.strictObject({
  /** Bind address; default loopback. */
  host: host.default('127.0.0.1'),
  /** UDP and TCP port; default 5060. */
  port: port().default(5060),
  udp: z.boolean().default(true),
  tcp: z.boolean().default(true),
  /** Address written in Contact/Via when behind NAT or a proxy. */
  publicAddress: host.optional(),
  /** TLS listener (off unless given). */
  tls: z.strictObject({ port: port().default(5061), cert: nonEmpty, key: nonEmpty }).optional(),
  /**
   * How the UDP socket is read and written: `native` through the addon that `npm install` builds
   * (native/agentline_udp.c: one libuv callback per readable event for several datagrams, a send
   * is one system call), `dgram` through node:dgram, `auto` (default) native when the addon is built.
   */
  io: z.enum(['auto', 'native', 'dgram']).default('auto'),
}).refine((s) => s.udp || s.tcp || s.tls !== undefined, { error: 'enable at least one transport (udp, tcp or tls)' });

/** `rtp:` — media sockets. */
export const rtpSchema = z.strictObject({
  host: host.default('127.0.0.1'),
  publicAddress: host.optional(),
  /** First port of the per-call socket range; default 20000. */
  portMin: intIn(1024, 65535).default(20000),
  /** Last port of the range (inclusive); default 29999. */
  portMax: intIn(1024, 65535).default(29999),
  /**
   * Folder for per-call recordings (`<conversation id>.wav`, 8 kHz 16-bit stereo: channel 1
   * the caller, channel 2 what the gateway sent, aligned on the 20 ms media clock); unset: no recording.
   */
  recordDir: z.string().min(1).optional(),
  /**
   * How RTP sockets are read and written: `native` through the addon that `npm install` builds
   * (native/agentline_udp.c: each socket read once per 20 ms tick, a third of node:dgram's CPU
   * per packet), `dgram` through node:dgram, `auto` (default) native when the addon is built.
   */
  io: z.enum(['auto', 'native', 'dgram']).default('auto'),
  /**
   * The pacer (native RTP sockets only; src/media/rtp-pacer.ts, native/pacer.c): a thread that
   * sends each 20 ms tick's packets at the tick's due time, while the event loop builds the
   * tick `leadMs` ahead (default 20, one tick; outbound audio leaves that much later): a
   * garbage collection or a busy loop shorter than the lead moves no packet. `priority` 1-99
   * (default 10) runs that thread at a realtime priority (SCHED_FIFO), so that it gets the CPU
   * at the due time however busy the event loop is; the process needs CAP_SYS_NICE, else a
   * warning and the normal priority (0: normal, no warning).
   */
  pacer: z.strictObject({
    enabled: z.boolean().default(true),
    leadMs: intIn(1, 40).default(20),
    priority: intIn(0, 99).default(10),
  }).prefault({}),
}).refine((r) => r.portMin < r.portMax, { error: 'must be greater than rtp.portMin', path: ['portMax'] });

/** `http:` — Handoff API, admin API, metrics. */
export const httpSchema = z.strictObject({
  host: host.default('127.0.0.1'),
  port: port().default(8080),
});

const sqliteStoreSchema = z.strictObject({
  kind: z.literal('sqlite'),
  /** Database file; default `./data/agentline.db`. */
  path: nonEmpty.default('./data/agentline.db'),
  /** MiB of recently read handoff records kept in memory for repeated reads (0: none); default 32. */
  documentCacheMb: intIn(0, 65_536).default(32),
});

const redisStoreSchema = z.strictObject({
  kind: z.literal('redis'),
  url: z.string().regex(/^rediss?:\/\/.+/, { error: (iss) => `expected a redis:// or rediss:// URL, got ${describeValue(iss.input)}` }),
});

/** `store:` — SQLite (default; `kind` may be omitted) or Redis. */
export const storeSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { kind: 'sqlite', ...v } : v),
  z.discriminatedUnion('kind', [sqliteStoreSchema, redisStoreSchema]),
);

/** `limits:` — capacity and timers, in calls and seconds. */
export const limitsSchema = z.strictObject({
  /** Concurrent calls per process; beyond it INVITEs get 503. Default 1000. */
  maxCalls: intIn(1, 1_000_000).default(1000),
  /** Hard cap on a call, s; default 3600. */
  maxCallDurationSec: intIn(1, 86_400).default(3600),
  /** RFC 4028 Session-Expires, s (Min-SE is 90); default 1800. */
  sessionExpiresSec: intIn(90, 86_400).default(1800),
  /** Retry-After on 503, s; default 5. */
  overloadRetryAfterSec: intIn(0, 3600).default(5),
  /** How long SIGTERM waits for live calls, s; default 30. */
  drainTimeoutSec: intIn(0, 86_400).default(30),
});

/** One entry of `trunks:`. */
export const trunkSchema = z.strictObject({
  name: nonEmpty,
  /** CIDRs allowed to send requests; default loopback only. */
  sources: z.array(cidr).default(['127.0.0.1/32', '::1/128']),
  /** `reject` answers 403, `drop` stays silent. Default `reject`. */
  onDenied: z.enum(['reject', 'drop']).default('reject'),
  /** Header carrying the agent token. */
  tokenHeader: headerName.default('X-PolyAi-Auth-Token'),
  /** Headers carrying the session id; first present wins. */
  sharedIdHeaders: z.array(headerName).default(['X-five9sessionid', 'X-CallSessionID']),
  /** Names of the BYE headers, spelled exactly as sent. */
  byeHeaders: z.strictObject({
    contained: headerName.default('X-contained'),
    destination: headerName.default('X-destination'),
  }).prefault({}),
  /** Hand back by BYE (default) or REFER. */
  transfer: z.enum(['bye', 'refer']).default('bye'),
  /** `Refer-To` template (e.g. `sip:{destination}@cc.example.com`); required with `transfer: refer`. */
  referTarget: nonEmpty.optional(),
}).refine((t) => t.transfer !== 'refer' || t.referTarget !== undefined, {
  error: 'required when transfer is "refer"', path: ['referTarget'],
});

const trunksSchema = z.array(trunkSchema)
  .min(1, { error: 'list at least one trunk' })
  .superRefine((trunks, ctx) => {
    const seen = new Set<string>();
    trunks.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate trunk name "${t.name}"` });
      seen.add(t.name);
    });
  });

/** `handoff:` — records and the Handoff API. */
export const handoffSchema = z.strictObject({
  /** Days a record stays readable; default 7. */
  retentionDays: intIn(1, 3650).default(7),
  /** Cap on a record's `data`, bytes; default 16 MiB. */
  maxDataBytes: intIn(1024, 1024 * MiB).default(16 * MiB),
  /** Cap on `wait=`, s; default 30. */
  maxWaitSec: intIn(0, 300).default(30),
});

/** `api:` — admin key and rate limits. */
export const apiSchema = z.strictObject({
  /** Admin API key (prefer env AGENTLINE_ADMIN_KEY); admin API is off without it. */
  adminKey: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  rateLimit: z.strictObject({
    /** Sustained requests per second per API key; default 100. */
    perKeyPerSec: intIn(1, 1_000_000).default(100),
    /** Burst size; default 200. */
    burst: intIn(1, 1_000_000).default(200),
  }).prefault({}),
});

/** `log:` */
export const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** `demo:` — a tenant and flow agent created at start, to try the loop. */
export const demoSchema = z.strictObject({
  /** Default false in a config file; true when Agentline runs with no file. */
  enabled: z.boolean().default(false),
  tenant: slug.default('demo'),
  agent: slug.default('demo'),
  /** Agent token; when absent the demo agent is reached by extension only. */
  token: nonEmpty.optional(),
  /** Handoff API key of the demo tenant; when absent one is generated and printed. */
  apiKey: nonEmpty.optional(),
  extension: nonEmpty.default('7001'),
  destinations: z.array(nonEmpty).default(['billing', 'support']),
});

/** The whole `agentline.yaml`. */
export const configSchema = z.strictObject({
  sip: sipSchema.prefault({}),
  rtp: rtpSchema.prefault({}),
  http: httpSchema.prefault({}),
  store: storeSchema.prefault({ kind: 'sqlite' }),
  limits: limitsSchema.prefault({}),
  trunks: trunksSchema.prefault([{ name: 'local' }]),
  handoff: handoffSchema.prefault({}),
  api: apiSchema.prefault({}),
  log: logSchema.prefault({}),
  demo: demoSchema.prefault({}),
});

/** Validated configuration, every default applied. */
export type Config = z.output<typeof configSchema>;
/** One validated trunk. */
export type TrunkConfig = Config['trunks'][number];
/** Validated store selection. */
export type StoreConfig = Config['store'];
