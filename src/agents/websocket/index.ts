/**
 * The WebSocket agent: a bridge from the call to a bot's `ws://`/`wss://` URL.
 */
export { WebSocketAgent } from './agent.ts';
export { botOrigin, parseWebSocketConfig, upgradeHeaders, type WebSocketAgentConfig } from './config.ts';
export { BotError, type BotFailure } from './errors.ts';
export { InboundAudio, OutboundAudio, type BotSocket, type InboundStats, type OutboundStats } from './audio.ts';
export {
  MEDIA_FORMAT, PROTOCOL_VERSION, botMessageSchema, parseBotMessage, type BotMessage, type StopReason,
} from './protocol.ts';
export type { SessionStats } from './session.ts';
