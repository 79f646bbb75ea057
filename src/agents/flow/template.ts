/**
 * `${…}` interpolation in flow strings. A reference is one of:
 * - `x.<Header-Name>`: an `X-` header of the INVITE (name compared case-insensitively);
 * - `call.<field>`: `caller`, `callee`, `shared_id`, `conversation_id`, `tenant`, `agent`
 *   (tenant and agent by slug);
 * - `<variable>`: a flow variable (from `set` or `collect`).
 * A missing value interpolates as the empty string.
 */
import type { AgentContext } from '../types.ts';

const REF_RE = /\$\{([^}]*)\}/g;

/** Names of flow variables: `[A-Za-z_][A-Za-z0-9_]*`. */
export const VARIABLE_RE = /^[A-Za-z_]\w*$/;

/** The `call.<field>` references. */
export const CALL_FIELDS = ['caller', 'callee', 'shared_id', 'conversation_id', 'tenant', 'agent'] as const;

/** What a template reads from. */
export interface TemplateScope {
  ctx: AgentContext;
  vars: Readonly<Record<string, string | number | boolean>>;
}

/** Why a reference is not valid, or undefined when it is. */
function refProblem(ref: string): string | undefined {
  if (ref.startsWith('x.')) return /^[!-~]+$/.test(ref.slice(2)) ? undefined : `bad header name in "\${${ref}}"`;
  if (ref.startsWith('call.')) {
    const field = ref.slice(5);
    return (CALL_FIELDS as readonly string[]).includes(field)
      ? undefined
      : `unknown call field in "\${${ref}}" (known: ${CALL_FIELDS.join(', ')})`;
  }
  return VARIABLE_RE.test(ref) ? undefined : `bad reference "\${${ref}}"`;
}

/** Problems of every reference in `text` (empty when valid). */
export function templateProblems(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(REF_RE)) {
    const problem = refProblem((m[1] ?? '').trim());
    if (problem) out.push(problem);
  }
  if (out.length === 0 && text.replace(REF_RE, '').includes('${')) out.push('unclosed "${"');
  return out;
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return '';
}

function callField(ctx: AgentContext, field: string): string {
  switch (field) {
    case 'caller': return ctx.caller;
    case 'callee': return ctx.callee;
    case 'shared_id': return ctx.sharedId ?? '';
    case 'conversation_id': return ctx.conversationId;
    case 'tenant': return ctx.tenant.slug;
    case 'agent': return ctx.agent.slug;
    default: return '';
  }
}

/** The value of one reference. */
function resolveRef(ref: string, scope: TemplateScope): string {
  if (ref.startsWith('x.')) return headerValue(scope.ctx.xHeaders, ref.slice(2));
  if (ref.startsWith('call.')) return callField(scope.ctx, ref.slice(5));
  const v = scope.vars[ref];
  return v === undefined ? '' : String(v);
}

/** Interpolates every `${…}` of `text` (templates were validated at load). */
export function interpolate(text: string, scope: TemplateScope): string {
  return text.includes('${') ? text.replace(REF_RE, (_m, ref: string) => resolveRef(ref.trim(), scope)) : text;
}

/** Interpolates every string inside a JSON-like value (objects and arrays deeply). */
export function interpolateDeep(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return interpolate(value, scope);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateDeep(v, scope);
    return out;
  }
  return value;
}

/** Every string inside a JSON-like value, with its path below the value. */
export function stringsIn(value: unknown, path: readonly (string | number)[] = []): Array<[string, (string | number)[]]> {
  if (typeof value === 'string') return [[value, [...path]]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  }
  return [];
}
