/**
 * Logging: one pino logger per process and a child logger per call carrying
 * `{ callId, sharedId, tenant, agent }` (STYLE.md principle 10). JSON lines to
 * stdout by default; tests pass a stream to read the lines.
 */
import { pino } from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger } from 'pino';
import { errorFor } from './errors.ts';

export type { Logger } from 'pino';

/** Log levels accepted in options and in `AGENTLINE_LOG_LEVEL`. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Default log level. */
export const DEFAULT_LOG_LEVEL: Level = 'info';

/**
 * Paths removed from every log line: agent tokens and API keys travel in SIP
 * and HTTP headers and must never reach the logs.
 */
export const REDACT_PATHS: readonly string[] = [
  'token',
  'apiKey',
  'password',
  '*.token',
  '*.apiKey',
  '*.password',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-polyai-auth-token"]',
  'headers["X-PolyAi-Auth-Token"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level. Default: `AGENTLINE_LOG_LEVEL`, else `'info'`. */
  level?: LevelWithSilent;
  /** Where lines go: a pino destination (`pino.destination(...)`) or any writable stream. Default stdout. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Fields on every line, e.g. `{ node: 'gw-1' }`. Default none (pino's pid/hostname are dropped). */
  base?: Record<string, unknown>;
  /** Paths to redact. Default {@link REDACT_PATHS}. */
  redact?: readonly string[];
  /** Environment to read `AGENTLINE_LOG_LEVEL` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What identifies a call in its log lines. */
export interface CallLogContext {
  /** SIP Call-ID of the inbound leg. */
  callId: string;
  /** The contact center's session id, when the INVITE carried one. */
  sharedId?: string | undefined;
  /** Tenant id or slug. */
  tenant?: string | undefined;
  /** Agent id or slug. */
  agent?: string | undefined;
  /** Our conversation id (the handoff record's id), bound last. */
  conversationId?: string | undefined;
}

/**
 * The log level to use: the option, else `AGENTLINE_LOG_LEVEL`, else `'info'`.
 * @throws AgentlineError `config_invalid` for an unknown level name
 */
export function resolveLogLevel(level: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): LevelWithSilent {
  const raw = level ?? env['AGENTLINE_LOG_LEVEL'] ?? DEFAULT_LOG_LEVEL;
  const name = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(name)) {
    throw errorFor('config_invalid', { setting: 'log level', value: raw });
  }
  return name as LevelWithSilent;
}

/**
 * Creates the process logger: JSON lines with ISO time, the level as a word
 * (`"level":"info"`), secrets redacted, errors serialized under `err` with their `code`.
 * @throws AgentlineError `config_invalid` for an unknown level
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: resolveLogLevel(options.level, options.env),
    base: options.base ?? null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: [...(options.redact ?? REDACT_PATHS)], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination as DestinationStream);
}

/**
 * The child logger for one call: every line carries `callId`, `sharedId`, `tenant`
 * and `agent` (absent fields are left out of the line).
 * @param base the process logger (or any parent)
 */
export function callLogger(base: Logger, ctx: CallLogContext): Logger {
  const bindings: Record<string, string> = { callId: ctx.callId };
  if (ctx.sharedId !== undefined) bindings['sharedId'] = ctx.sharedId;
  if (ctx.tenant !== undefined) bindings['tenant'] = ctx.tenant;
  if (ctx.agent !== undefined) bindings['agent'] = ctx.agent;
  // One child per call, not a child of a child: pino's child() is a per-call cost on the hot path.
  if (ctx.conversationId !== undefined) bindings['conversationId'] = ctx.conversationId;
  return base.child(bindings);
}

/** pino's level methods: a call to one of them below the level writes nothing. */
const LEVEL_METHODS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

function noop(): void {}

/**
 * A logger that makes its real one (`resolve()`, e.g. a call's pino child, see
 * {@link callLogger}) only when a line is actually written: a level method below `gate`'s
 * level is a no-op that resolves nothing. Making a pino child costs about 6 KB and a
 * redaction pass over its bindings per call, spent for nothing when the call writes no
 * line at the configured level. Anything else (`child`, `level`, `bindings()`…) goes to
 * the real logger. `resolve` is asked on every use, so it may change what it returns
 * (a call rebinds its logger once routed).
 * @param gate whose level decides (the real logger's parent; a call's child never sets its own level)
 */
export function deferredLogger(resolve: () => Logger, gate: Logger): Logger {
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (typeof prop === 'string' && LEVEL_METHODS.has(prop) && !gate.isLevelEnabled(prop)) return noop;
      const real = resolve();
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(resolve(), prop, value);
    },
  });
}
