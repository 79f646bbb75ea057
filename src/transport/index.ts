/** Public API of the transport layer (RFC 3261 §18). */
export * from './types.ts';
export { SipTransport, type TransportErrorHandler } from './sip-transport.ts';
export { TransportError, isTransportError, type TransportErrorCode } from './errors.ts';
export { TRANSPORT_DEFAULTS, UDP_SIZE_LIMIT, realTimers } from './options.ts';
export { normalizeAddress, sameAddress, formatEndpoint } from './address.ts';
export { responseTarget, stampReceived, rewriteTopVia } from './via.ts';
