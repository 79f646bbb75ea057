/**
 * The bot protocol (docs/websocket-protocol.md): the zod schemas of what a bot may send,
 * checked on every message (STYLE.md principle 8), and the builders of what we send.
 */
import { z } from 'zod';
import type { AgentContext } from '../types.ts';

/** Protocol name and version, sent in `start`. */
export const PROTOCOL_VERSION = 'agentline.ws.v1';

/** Audio on the wire: 8 kHz mono G.711 µ-law, 20 ms (160 bytes) per frame. */
export const MEDIA_FORMAT = {
  encoding: 'audio/x-mulaw',
  sample_rate: 8000,
  channels: 1,
  frame_ms: 20,
  frame_bytes: 160,
} as const;

/** Milliseconds per frame. */
export const FRAME_MS = MEDIA_FORMAT.frame_ms;

/** Largest base64 payload of one bot `media` message (1 s of audio is 10,668 characters). */
const MAX_PAYLOAD_CHARS = 1 << 20;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const connected = z.object({
  event: z.literal('connected'),
  connected: z.object({ binary: z.boolean().optional() }).optional(),
});
const media = z.object({
  event: z.literal('media'),
  media: z.object({
    payload: z.string().min(4).max(MAX_PAYLOAD_CHARS).regex(BASE64_RE, 'payload must be base64'),
  }),
});
const clear = z.object({ event: z.literal('clear') });
const mark = z.object({ event: z.literal('mark'), mark: z.object({ name: z.string().min(1).max(256) }) });
const handoff = z.object({
  event: z.literal('handoff'),
  handoff: z.object({
    contained: z.boolean(),
    destination: z.string().min(1).max(256).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});
const hangup = z.object({
  event: z.literal('hangup'),
  hangup: z.object({ data: z.record(z.string(), z.unknown()).optional() }).optional(),
});
const keepalive = z.object({ event: z.literal('keepalive') });

/** Every message a bot may send, told apart by `event`. Unknown fields are ignored. */
export const botMessageSchema = z.discriminatedUnion('event', [connected, media, clear, mark, handoff, hangup, keepalive]);

/** A checked bot message. */
export type BotMessage = z.output<typeof botMessageSchema>;

/** Why a call's stream ends, in our `stop` message. */
export type StopReason = 'handoff' | 'hangup' | 'caller_hangup' | 'error';

/** Our `start` message. */
export function startMessage(ctx: AgentContext, binaryOffered: boolean): string {
  return JSON.stringify({
    event: 'start',
    start: {
      protocol: PROTOCOL_VERSION,
      conversation_id: ctx.conversationId,
      shared_id: ctx.sharedId ?? null,
      tenant: { id: ctx.tenant.id, slug: ctx.tenant.slug },
      agent: { id: ctx.agent.id, slug: ctx.agent.slug, destinations: [...ctx.agent.destinations] },
      caller: ctx.caller,
      callee: ctx.callee,
      x_headers: { ...ctx.xHeaders },
      media_format: MEDIA_FORMAT,
      binary_media: binaryOffered,
    },
  });
}

/** Our `media` message for one frame. */
export function mediaMessage(payload: string, seq: number): string {
  return `{"event":"media","media":{"payload":"${payload}","seq":${seq},"timestamp":${seq * FRAME_MS}}}`;
}

/** Our `dtmf` message. */
export function dtmfMessage(digit: string): string {
  return JSON.stringify({ event: 'dtmf', dtmf: { digit } });
}

/** Our `mark` message: playback reached (or, when cleared, dropped) the bot's mark. */
export function markMessage(name: string, completed: boolean): string {
  return JSON.stringify({ event: 'mark', mark: { name, completed } });
}

/** Our `stop` message. */
export function stopMessage(reason: StopReason): string {
  return JSON.stringify({ event: 'stop', stop: { reason } });
}

/**
 * Parses and checks one text message from a bot.
 * @returns the message, or the reason it is not one
 */
export function parseBotMessage(text: string): { ok: true; message: BotMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = botMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}` };
}
