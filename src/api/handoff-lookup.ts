/**
 * The scoped record lookup of the Handoff API. Every request does the same reads in the
 * key's own tenant (tenant, agent, record) and decides only at the end, so a record of
 * another tenant, another agent, an unknown account or project, an expired record and a
 * missing one all cost the same work and end in the same 404 (ARCHITECTURE.md: "a record
 * outside its scope answers exactly like a missing one").
 */
import type { ApiKey, HandoffDocument, Store } from '../store/index.ts';
import type { Directory } from './auth.ts';
import type { HandoffWaiters, WaitTarget } from './waiters.ts';

const ignore = (): void => undefined;

/** What the request names, validated. */
export interface HandoffRequest {
  account: string;
  project: string;
  sharedId?: string;
  id?: string;
  /** Seconds to hold the request until the record exists; 0 = answer now. */
  waitSec: number;
}

/** What the lookup needs. */
export interface LookupContext {
  store: Store;
  directory: Directory;
  waiters: HandoffWaiters;
  now: () => number;
}

/** How a lookup ended: the record, nothing (404), or the server closing (503). */
export type LookupResult = HandoffDocument | undefined | 'closed';

/**
 * The record the key may read, or undefined. Reads run in the key's tenant whatever the
 * URL says; `shared_id` wins over `id`.
 */
export async function findInScope(ctx: LookupContext, key: ApiKey, req: HandoffRequest): Promise<HandoffDocument | undefined> {
  // All three reads start before any result is looked at; cache hits are not promises.
  const tenantRead = ctx.directory.tenant(key.tenantId);
  const agentRead = ctx.directory.agent(key.tenantId, req.project);
  // When the store fails, the record read throws first and the directory reads are never
  // awaited: unheard, their rejections would end the process (Node's unhandled rejection).
  // Marked heard now; awaiting them below still throws their error.
  if (tenantRead instanceof Promise) tenantRead.catch(ignore);
  if (agentRead instanceof Promise) agentRead.catch(ignore);
  const record = await ctx.store.getHandoffDocument(key.tenantId, req.sharedId !== undefined ? { sharedId: req.sharedId } : { id: req.id ?? '' });
  const tenant = tenantRead instanceof Promise ? await tenantRead : tenantRead;
  const agent = agentRead instanceof Promise ? await agentRead : agentRead;
  const accountOk = tenant !== undefined && (tenant.id === req.account || tenant.slug === req.account);
  const agentOk = agent !== undefined && (key.agentId === undefined || key.agentId === agent.id);
  const recordOk = record !== undefined && record.agentId === agent?.id && record.expiresAt > ctx.now();
  return accountOk && agentOk && recordOk ? record : undefined;
}

/**
 * {@link findInScope}, holding the request up to `req.waitSec` until the record lands.
 * A record that lands outside the scope keeps the request waiting, exactly as if nothing
 * had landed. The waiter is armed before each lookup, so no commit is missed.
 * @param signal aborts the wait when the client goes away
 */
export async function findWithWait(ctx: LookupContext, key: ApiKey, req: HandoffRequest, signal?: AbortSignal): Promise<LookupResult> {
  if (req.waitSec <= 0) return findInScope(ctx, key, req);
  const deadline = ctx.now() + req.waitSec * 1000;
  const target: WaitTarget = req.sharedId !== undefined
    ? { tenantId: key.tenantId, by: 'shared_id', value: req.sharedId }
    : { tenantId: key.tenantId, by: 'id', value: req.id ?? '' };
  for (;;) {
    const armed = ctx.waiters.arm(target);
    let record: HandoffDocument | undefined;
    try {
      record = await findInScope(ctx, key, req);
    } catch (err) {
      armed.cancel();
      throw err;
    }
    if (record !== undefined) {
      armed.cancel();
      return record;
    }
    const left = deadline - ctx.now();
    if (left <= 0) {
      armed.cancel();
      return undefined;
    }
    const woke = await armed.until(left, signal);
    if (woke === 'closed') return 'closed';
    if (woke !== 'event') return undefined;
  }
}
