/**
 * The end of a call, in the order the product depends on (ARCHITECTURE.md, "the heart of
 * the product"): (1) the handoff record is durable, (2) only then is the call handed back,
 * by BYE with the outcome headers or, per trunk, by REFER (RFC 3515) with a BYE after it.
 *
 * (1) tries the store a bounded number of times with backoff (default 5 tries over about
 * 3 s); when it still fails, the record goes to the spool file (fsynced) before any BYE,
 * so that no record whose BYE was sent is lost: the spool hands it to the store later.
 */
import type { Dialog } from '../dialog/index.ts';
import type { Logger, Metrics } from '../obs/index.ts';
import type { Trunk } from '../routing/index.ts';
import { isStoreError, type HandoffRecord, type Store } from '../store/index.ts';
import type { Clock } from '../transaction/index.ts';
import { byeHeaders, type FinalOutcome } from './outcome.ts';
import { HandoffSpool } from './spool.ts';
import { transferByRefer, type TransferResult } from './transfer.ts';
import { SETTLED } from '../lib/settled.ts';

/** Delays between the store attempts, ms: 5 tries over about 3 s. */
export const HANDOFF_RETRY_DELAYS_MS: readonly number[] = [200, 400, 800, 1600];

/** Longest wait for one store attempt, ms; a late success is seen as `conflict` by the next try. */
export const HANDOFF_ATTEMPT_TIMEOUT_MS = 2000;

/** Where a handoff record ended up. */
export type HandoffCommit = 'stored' | 'spooled' | 'memory' | 'lost';

/** What {@link commitHandoff} needs. */
export interface CommitDeps {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** The spool of last resort; default: one in-memory spool per store. */
  spool?: HandoffSpool;
  /** Delays between attempts, ms. Default {@link HANDOFF_RETRY_DELAYS_MS}. */
  retryDelaysMs?: readonly number[];
  /** Longest wait for one attempt, ms. Default {@link HANDOFF_ATTEMPT_TIMEOUT_MS}. */
  attemptTimeoutMs?: number;
}

const memorySpools = new WeakMap<Store, HandoffSpool>();

/** The spool to use: the configured one, else a memory spool shared by every call on `store`. */
export function spoolFor(deps: CommitDeps): HandoffSpool {
  if (deps.spool) return deps.spool;
  let spool = memorySpools.get(deps.store);
  if (!spool) {
    spool = new HandoffSpool({ store: deps.store, clock: deps.clock, logger: deps.logger });
    memorySpools.set(deps.store, spool);
  }
  return spool;
}

/**
 * Makes `record` durable before the call is handed back: the store, retried with backoff;
 * then the spool. Resolves when the record is as safe as this node can make it. Never rejects.
 */
export async function commitHandoff(record: HandoffRecord, deps: CommitDeps): Promise<HandoffCommit> {
  const delays = deps.retryDelaysMs ?? HANDOFF_RETRY_DELAYS_MS;
  let lastErr: unknown;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await sleep(deps.clock, delays[attempt - 1] ?? 0);
    const t0 = performance.now();
    try {
      await withTimeout(deps.store.putHandoff(record), deps.clock, deps.attemptTimeoutMs ?? HANDOFF_ATTEMPT_TIMEOUT_MS);
      deps.metrics.storeOp('putHandoff', (performance.now() - t0) / 1000);
      deps.metrics.handoffRecord();
      return 'stored';
    } catch (err) {
      // `conflict`: the id is there already (an earlier try committed, its answer was lost).
      if (isStoreError(err, 'conflict')) return 'stored';
      lastErr = err;
      if (isStoreError(err, 'invalid')) break; // retrying cannot help
      deps.logger.warn({ err, attempt: attempt + 1 }, 'handoff record not written; retrying');
    }
  }
  deps.metrics.error('store_unavailable');
  if (isStoreError(lastErr, 'invalid')) {
    deps.logger.error({ err: lastErr }, 'handoff record refused by the store');
    return 'lost';
  }
  const durable = spoolFor(deps).keep(record);
  deps.logger.error({ err: lastErr, durable }, 'handoff record spooled; the store takes it later');
  return durable ? 'spooled' : 'memory';
}

/** Options of {@link handBack}. */
export interface HandBackOptions {
  trunk: Trunk;
  final: FinalOutcome;
  conversationId: string;
  sharedId?: string;
  clock: Clock;
  logger: Logger;
  /** False when the peer is gone (session expired, no ACK): no REFER, only a BYE. */
  peerAlive: boolean;
  /** Longest wait for the REFER's final NOTIFY, ms. */
  referTimeoutMs: number;
}

/** How the call was handed back. */
export interface HandBack {
  method: 'bye' | 'refer' | 'none';
  /** Set when a REFER was tried. */
  transfer?: TransferResult;
  /**
   * Settles when the BYE got its final response (or timed out, 64*T1). The BYE is sent
   * when `handBack` resolves; the caller frees the media without waiting for this.
   */
  answered: Promise<void>;
}

/**
 * Hands the call back (after the record is durable): REFER when the trunk asks for it and
 * there is a destination (then a bare BYE on success; on failure the BYE with the outcome
 * headers), else the BYE with the outcome headers. The BYE alone (every call but a REFER
 * transfer) is handed back as it is, not as a promise; the REFER's outcome comes as a promise
 * that never rejects.
 */
export function handBack(dialog: Dialog | undefined, o: HandBackOptions): HandBack | Promise<HandBack> {
  if (!dialog || dialog.state === 'terminated') return { method: 'none', answered: SETTLED };
  const wantsRefer = o.trunk.transfer === 'refer' && o.trunk.referTarget !== undefined && !o.final.contained
    && o.final.destination !== undefined && o.peerAlive;
  if (!wantsRefer) return { method: 'bye', answered: sendBye(dialog, byeHeaders(o.trunk, o.final), o.logger) };
  return referThenBye(dialog, o);
}

/** {@link handBack} by REFER: the BYE follows its outcome. */
async function referThenBye(dialog: Dialog, o: HandBackOptions): Promise<HandBack> {
  const transfer = await transferByRefer(dialog, {
    template: o.trunk.referTarget as string, destination: o.final.destination as string, conversationId: o.conversationId,
    headers: byeHeaders(o.trunk, o.final), clock: o.clock, timeoutMs: o.referTimeoutMs,
    ...(o.sharedId === undefined ? {} : { sharedId: o.sharedId }),
  });
  // After a success (RFC 5589 §6) our leg ends with a plain BYE, no routing headers.
  if (!transfer.ok) o.logger.warn({ reason: transfer.reason, status: transfer.status }, 'REFER failed; handing back by BYE');
  const answered = sendBye(dialog, transfer.ok ? [] : byeHeaders(o.trunk, o.final), o.logger);
  return { method: 'refer', transfer, answered };
}

/**
 * Sends BYE when the dialog is still up (synchronously: it has left when this returns);
 * the returned promise settles with its final response, a refusal or timeout only logged.
 */
function sendBye(dialog: Dialog, headers: Array<[string, string]>, logger: Logger): Promise<void> {
  if (dialog.state === 'terminated') return SETTLED;
  try {
    return dialog.bye({ headers }).then(
      (res) => { if (res.status >= 300) logger.warn({ status: res.status }, 'BYE refused'); },
      (err: unknown) => logger.warn({ err }, 'BYE failed'),
    );
  } catch (err) {
    logger.warn({ err }, 'BYE failed');
    return SETTLED;
  }
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimer(ms, resolve));
}

/** `p`, or a rejection after `ms` on `clock`. */
function withTimeout<T>(p: Promise<T>, clock: Clock, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimer(ms, () => reject(new Error(`store attempt timed out [ms:${ms}]`)));
    p.then((v) => { timer.cancel(); resolve(v); }, (err: unknown) => { timer.cancel(); reject(err); });
  });
}
