/** Public API of the transaction layer (RFC 3261 §17). */
export * from './client.ts';
export * from './clock.ts';
export * from './layer.ts';
export * from './server.ts';
export * from './types.ts';
