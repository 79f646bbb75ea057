/**
 * What the agent learns from the INVITE: identities and every `X-` header
 * (ARCHITECTURE.md "SIP, inbound", last point). The trunk's token header is a secret
 * and is not passed on.
 */
import type { AgentContext } from '../agents/index.ts';
import type { RouteResult } from '../routing/index.ts';
import { parseNameAddr, type SipRequest } from '../sip/index.ts';

/** `X-` headers of a request, first value of each name, minus the names in `exclude`. */
export function xHeadersOf(req: SipRequest, exclude: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of req.headers) {
    // A header's key is its name in lower case (compact forms aside, and no X- name is one).
    const key = h.key;
    if (!key.startsWith('x-') || isExcluded(key, exclude) || Object.hasOwn(out, h.name)) continue;
    out[h.name] = h.value;
  }
  return out;
}

/** True when `key` (lower case) is one of `names` (a trunk's one or two secret headers), in any case. */
function isExcluded(key: string, names: readonly string[]): boolean {
  for (const name of names) if (name.length === key.length && name.toLowerCase() === key) return true;
  return false;
}

/** The caller: P-Asserted-Identity (RFC 3325 §9.1) when present and parseable, else From. */
export function callerOf(req: SipRequest): string {
  const pai = req.get('P-Asserted-Identity');
  if (pai !== undefined) {
    try {
      return parseNameAddr(pai.split(',')[0]?.trim() ?? '').uri.toString();
    } catch {
      // An unparseable PAI is ignored; From still names the caller.
    }
  }
  return req.from.uri.toString();
}

/** Builds the agent's context from the routed INVITE. */
export function agentContext(conversationId: string, req: SipRequest, route: RouteResult): AgentContext {
  const { tenant, agent, trunk } = route;
  const ctx: AgentContext = {
    tenant: { id: tenant.id, slug: tenant.slug },
    agent: { id: agent.id, slug: agent.slug, destinations: [...agent.destinations], config: agent.config },
    conversationId,
    caller: callerOf(req),
    callee: req.to.uri.toString(),
    xHeaders: xHeadersOf(req, [trunk.tokenHeader]),
  };
  if (route.sharedId !== undefined) ctx.sharedId = route.sharedId;
  return ctx;
}
