/**
 * Public surface of the call layer: one call's life and the registry of live calls.
 */
export type * from './types.ts';
export { Call, AGENT_GRACE_MS, callOutcomeLabel } from './call.ts';
export { CallManager, type CallManagerOptions, type LiveCall } from './manager.ts';
export { CALL_TRANSITIONS, CallStateError, CallStateMachine } from './state.ts';
export { DTMF_DEDUP_WINDOW_MS, DtmfDeduper, parseInfoDigit, type DigitSource } from './dtmf.ts';
export { CallMediaHandle, type CallMediaHandleOptions, type CallMediaStats, type PromptSource } from './call-media.ts';
export { MediaLeg, type MediaLegSummary } from './media-leg.ts';
export { mediaRecord, type MediaRecordInput } from './media-stats.ts';
export { CallRecorder } from './recorder.ts';
export {
  buildHandoffRecord, byeHeaders, defaultDestination, fallbackOutcome, finalizeOutcome, type FinalOutcome, type OutcomeNote,
} from './outcome.ts';
export { rejectionFor, type Rejection } from './reject.ts';
export { cdrOutcome } from './call.ts';
export {
  commitHandoff, handBack, HANDOFF_ATTEMPT_TIMEOUT_MS, HANDOFF_RETRY_DELAYS_MS, type HandBack, type HandoffCommit,
} from './ending.ts';
export { HandoffSpool, type HandoffSpoolOptions, type SpoolFlush } from './spool.ts';
export { CallSessionTimer, SessionIntervalError, sessionPolicy } from './session-timer.ts';
export { REFER_TIMEOUT_MS, referUri, transferByRefer, userToUser, type TransferResult } from './transfer.ts';
