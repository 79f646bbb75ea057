/**
 * Public surface of the call layer: one call's life and the registry of live calls.
 */
export type * from './types.ts';
export { Call, AGENT_GRACE_MS, callOutcomeLabel } from './call.ts';
export { CallManager, type CallManagerOptions, type LiveCall } from './manager.ts';
export { CALL_TRANSITIONS, CallStateError, CallStateMachine } from './state.ts';
export { DtmfHub, parseInfoDigit } from './dtmf.ts';
export {
  buildHandoffRecord, byeHeaders, defaultDestination, fallbackOutcome, finalizeOutcome, type FinalOutcome, type OutcomeNote,
} from './outcome.ts';
export { rejectionFor, type Rejection } from './reject.ts';
