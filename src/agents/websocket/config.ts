/**
 * Configuration of a WebSocket agent (the directory's `agent.config` for kind `websocket`),
 * checked with zod when the agent is made.
 */
import { z } from 'zod';
import { AgentConfigError } from '../errors.ts';

const ms = (max: number) => z.number().int().min(0).max(max);

const schema = z.object({
  url: z.string().refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === 'ws:' || p === 'wss:';
    } catch {
      return false;
    }
  }, 'url must be a ws:// or wss:// URL'),
  token: z.string().min(1).optional(),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a header name'), z.string()).default({}),
  connectTimeoutMs: ms(120_000).default(5000),
  idleTimeoutMs: ms(3_600_000).default(60_000),
  stopGraceMs: ms(60_000).default(1000),
  binary: z.boolean().default(true),
  maxBufferedBytes: z.number().int().min(0).default(64 * 1024),
  maxQueuedAudioMs: ms(600_000).default(30_000),
  maxBadMessages: z.number().int().min(0).default(20),
  maxMessageBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
});

/** A checked WebSocket agent configuration. */
export interface WebSocketAgentConfig {
  /** The bot's `ws://` or `wss://` URL. Required. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. Default none. */
  token?: string;
  /** Extra headers of the upgrade request (an `Authorization` here wins over `token`). Default none. */
  headers: Record<string, string>;
  /** Time for the socket to open, ms. Default 5000. */
  connectTimeoutMs: number;
  /** The bot must send something (any valid message, e.g. `keepalive`) this often, ms; 0 = never. Default 60000. */
  idleTimeoutMs: number;
  /** After the caller hangs up, time the bot has to send `handoff`/`hangup`, ms. Default 1000. */
  stopGraceMs: number;
  /** Offer binary media frames in `start`. Default true. */
  binary: boolean;
  /** Outbound media frames are dropped while the socket buffers more than this, bytes. Default 65536. */
  maxBufferedBytes: number;
  /** Bot audio queued for playback beyond this is dropped (newest first), ms. Default 30000. */
  maxQueuedAudioMs: number;
  /** Invalid bot messages tolerated (each logged and ignored); one more fails the agent. Default 20. */
  maxBadMessages: number;
  /** Largest message the bot may send, bytes (larger closes the socket: `bot_disconnected`). Default 1 MiB. */
  maxMessageBytes: number;
}

/**
 * Checks a WebSocket agent's configuration and applies defaults.
 * @throws AgentConfigError (`agent_config_invalid`) naming the field
 */
export function parseWebSocketConfig(raw: Readonly<Record<string, unknown>>): WebSocketAgentConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new AgentConfigError(`invalid websocket agent config: ${issues.join('; ')}`);
  }
  const { token, ...rest } = parsed.data;
  return token === undefined ? rest : { ...rest, token };
}

/** Headers of the upgrade request: `Authorization: Bearer <token>`, then `headers`. */
export function upgradeHeaders(config: WebSocketAgentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (config.token !== undefined) out['Authorization'] = `Bearer ${config.token}`;
  for (const [k, v] of Object.entries(config.headers)) {
    if (k.toLowerCase() === 'authorization') delete out['Authorization'];
    out[k] = v;
  }
  return out;
}

/** The bot's origin (no path, query or credentials), safe to log. */
export function botOrigin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}
