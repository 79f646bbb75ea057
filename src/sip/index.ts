/** Public API of the SIP message layer: a pure leaf with no I/O. */
export * from './address.ts';
export * from './build.ts';
export * from './detach.ts';
export * from './errors.ts';
export * from './framing.ts';
export * from './grammar.ts';
export * from './headers.ts';
export * from './message.ts';
export * from './parser.ts';
export * from './serialize.ts';
export * from './uri.ts';
export * from './via.ts';
