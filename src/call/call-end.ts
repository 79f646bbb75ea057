/**
 * The end of one call as `Call` sequences it (ARCHITECTURE.md, "the heart of the product"):
 * the handoff record built from the route and the final outcome and made durable, then the
 * hand-back (BYE with the outcome headers, or REFER) with the same values, then the labels
 * the metric and the CDR get. `ending.ts` holds the mechanisms (store retries and spool,
 * BYE/REFER); this module only adapts one call's route and dependencies to them.
 *
 * Module functions with plain parameters, not an object per call: the end path runs for
 * every call (issue #3 measures CPU per call).
 */
import type { Dialog } from '../dialog/index.ts';
import type { CallOutcome, Logger } from '../obs/index.ts';
import type { RouteResult } from '../routing/index.ts';
import type { SipRequest } from '../sip/index.ts';
import type { CallPatch, CallRecord } from '../store/index.ts';
import { commitHandoff, handBack, type HandBack, type HandoffCommit } from './ending.ts';
import { buildHandoffRecord, type FinalOutcome, type OutcomeNote } from './outcome.ts';
import { REFER_TIMEOUT_MS } from './transfer.ts';
import type { CallDeps, CallEndedBy } from './types.ts';

/**
 * The record, durable before anything is handed back: store with retries, else the spool. Never
 * rejects. Not an async function: the promise is commitHandoff's own.
 */
export function commitCallRecord(
  conversationId: string, route: RouteResult, final: FinalOutcome, deps: CallDeps, logger: Logger,
): Promise<HandoffCommit> {
  const identity = {
    conversationId, tenantId: route.tenant.id, agentId: route.agent.id,
    ...(route.sharedId === undefined ? {} : { sharedId: route.sharedId }),
  };
  const record = buildHandoffRecord(identity, final, Date.now(), deps.settings.retentionMs);
  const { store, clock, metrics, spool, settings } = deps;
  return commitHandoff(record, {
    store, clock, metrics, logger, ...(spool === undefined ? {} : { spool }),
    ...(settings.handoffRetryDelaysMs === undefined ? {} : { retryDelaysMs: settings.handoffRetryDelaysMs }),
  });
}

/**
 * Hands the call back on the trunk's terms, once its record is durable: as it is for a BYE, a
 * promise that never rejects for a REFER transfer (see handBack).
 * @param peerAlive false when the caller's leg is presumed dead (no ACK, session expired): BYE only
 */
export function handCallBack(
  dialog: Dialog | undefined, conversationId: string, route: RouteResult, final: FinalOutcome, deps: CallDeps, logger: Logger,
  peerAlive: boolean,
): HandBack | Promise<HandBack> {
  return handBack(dialog, {
    trunk: route.trunk, final, conversationId, clock: deps.clock, logger,
    peerAlive, referTimeoutMs: deps.settings.referTimeoutMs ?? REFER_TIMEOUT_MS,
    ...(route.sharedId === undefined ? {} : { sharedId: route.sharedId }),
  });
}

/** The CDR's last update for a call that ended after its answer (`endedAt` now). */
export function endedCallPatch(label: CallOutcome, back: HandBack, endedBy: CallEndedBy, final: FinalOutcome): CallPatch {
  return {
    outcome: cdrOutcome(label, back), endedBy, contained: final.contained, endedAt: Date.now(),
    ...(final.destination === undefined ? {} : { destination: final.destination }),
  };
}

/** The CDR's outcome: the metric label, or `transferred`/`transfer_failed` when a REFER was tried. */
export function cdrOutcome(label: CallOutcome, back: HandBack): string {
  if (back.transfer === undefined) return label;
  return back.transfer.ok ? 'transferred' : 'transfer_failed';
}

/** The `agentline_calls_total{outcome}` label of an ended call. */
export function callOutcomeLabel(endedBy: CallEndedBy, final: FinalOutcome, note: OutcomeNote | undefined): CallOutcome {
  if (note === 'agent_failed') return 'failed';
  if (endedBy === 'caller') return 'caller_hangup';
  return final.contained ? 'contained' : 'handoff';
}

/** The call record as the INVITE arrives (`sipCallId` given apart: a copy, see `Call.sipCallId`). */
export function firstCallRecord(id: string, sipCallId: string, trunk: string, req: SipRequest, startedAt: number): CallRecord {
  return {
    id, sipCallId, trunk, from: req.from.uri.toString(), to: req.to.uri.toString(), direction: 'inbound', outcome: 'received', startedAt,
  };
}
