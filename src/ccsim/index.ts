/**
 * The contact-center emulator (ARCHITECTURE.md "Contact-center emulator"): a Five9-like
 * trunk and IVR script that calls the gateway from outside, as a real trunk would.
 *
 * ```ts
 * const cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: 5060 } });
 * const report = await cc.call({
 *   variables: { extension: '7001', ani: '5551234' },
 *   script: { presses: [{ digits: '1', atMs: 1000 }] },
 *   query: { apiBase: 'http://127.0.0.1:8080', apiKey, account: 'demo', project: 'demo' },
 * });
 * report.decision; // { action: 'transfer', skill: 'billing', source: 'handoff_api', ... }
 * await cc.close();
 * ```
 * Imports only sip, transport, transaction, dialog, sdp and media: never the gateway's internals.
 */
export type * from './types.ts';
export { CcsimError, isCcsimError, type CcsimErrorCode } from './errors.ts';
export { ContactCenter, type ContactCenterOptions } from './emulator.ts';
export { DEFAULT_MAX_CALL_MS } from './call.ts';
export {
  DEFAULT_BYE_HEADERS, DEFAULT_HEADER_NAMES, MAX_CUSTOM_HEADERS,
  byeVariables, inviteVariables, newSessionId, parseHeaderArg, type InviteVariables,
} from './variables.ts';
export {
  DEFAULT_QUERY_BACKOFF_MS, DEFAULT_QUERY_MAX_RETRY_AFTER_MS, DEFAULT_QUERY_RETRIES, DEFAULT_QUERY_TIMEOUT_MS,
  handoffUrl, parseRetryAfter, queryHandoff,
} from './query.ts';
export { DEFAULT_SKILL, decide, type CaseInput } from './case.ts';
export { AudioMeter, SILENCE_DBFS, dbfs, type AudioMeterOptions, type AudioMeterReport } from './meter.ts';
export { runLoad, type LoadResult } from './load.ts';
export { errorKinds, isCompleted, percentiles, summarize, type LoadOutcome } from './stats.ts';
export { describeDecision, formatCallReport, formatProgress, formatSummary } from './format.ts';
export { parseDtmfMode, parseDuration, parsePositive, parsePresses, parseSkillMap, parseTarget } from './parse.ts';
