/** Public API of the dialog layer (RFC 3261 §12–§15, RFC 3515 REFER, RFC 4028 session timers). */
export * from './ack-wait.ts';
export * from './addressing.ts';
export * from './dialog.ts';
export * from './host.ts';
export * from './refer.ts';
export * from './session-timer.ts';
export * from './uac.ts';
export * from './uas.ts';
export { UserAgent, type UserAgentOptions } from './user-agent.ts';
