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
  const skip = new Set(exclude.map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const h of req.headers) {
    const lower = h.name.toLowerCase();
    if (!lower.startsWith('x-') || skip.has(lower) || Object.hasOwn(out, h.name)) continue;
    out[h.name] = h.value;
  }
  return out;
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
