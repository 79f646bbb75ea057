/** Public API of the dialog layer (RFC 3261 §12–§15). */
export * from './addressing.ts';
export * from './dialog.ts';
export * from './host.ts';
export * from './uac.ts';
export * from './uas.ts';
export { UserAgent, type UserAgentOptions } from './user-agent.ts';
