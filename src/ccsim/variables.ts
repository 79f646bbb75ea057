/**
 * Call variables in and out, as a Five9 IVR script moves them:
 * - *Set Variable* + *Third Party Transfer*: variables become the INVITE's Request-URI
 *   and X-headers (token or extension, session id, ANI, DNIS, others), at most 10 custom
 *   headers, the contact center's own limit;
 * - *Return from the agent*: the BYE's X-headers become call variables (`contained`,
 *   `destination`, and the rest by name).
 * Pure: no I/O.
 */
import { randomUUID } from 'node:crypto';
import { CcsimError } from './errors.ts';
import type { ByeHeaderNames, CallVariables, HeaderNames } from './types.ts';

/** Five9 sends at most this many custom headers on a transfer. */
export const MAX_CUSTOM_HEADERS = 10;

/** Default header names (Five9 conventions and the Agentline trunk defaults). */
export const DEFAULT_HEADER_NAMES: Readonly<HeaderNames> = {
  token: 'X-PolyAi-Auth-Token',
  sessionId: 'X-five9sessionid',
  ani: 'X-ANI',
  dnis: 'X-DNIS',
};

/** Default names of the BYE headers (Agentline's trunk defaults). */
export const DEFAULT_BYE_HEADERS: Readonly<ByeHeaderNames> = {
  contained: 'X-contained',
  destination: 'X-destination',
};

/** RFC 3261 §25.1 token: what a header name may be. */
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** A value must be one line of visible text (no CR/LF: no header injection). */
const HEADER_VALUE = /^[^\r\n\0]*$/;
/** The user part of a SIP URI we accept for an extension (RFC 3261 §25.1 `user`, unescaped subset). */
const URI_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]+$/;

/** The INVITE the script would send: Request-URI user and headers. */
export interface InviteVariables {
  /** Request-URI user part. */
  user: string;
  /** The session id sent (given or generated). */
  sessionId: string;
  /** From address, with the ANI as user when given. */
  from: string | undefined;
  /** Custom headers in order, names spelt as configured. */
  headers: Array<[string, string]>;
}

/** A new session id shaped like Five9's (32 upper-case hex digits). */
export function newSessionId(): string {
  return randomUUID().replaceAll('-', '').toUpperCase();
}

/**
 * *Set Variable*: turns call variables into the INVITE's Request-URI user and headers.
 * @param localHost our host, for the From URI
 * @throws CcsimError `ccsim_too_many_headers` beyond `max` custom headers (default 10),
 *   `ccsim_bad_header` for a name that is not a token or a value with a line break,
 *   `ccsim_bad_option` for an extension that cannot be a URI user
 */
export function inviteVariables(
  vars: CallVariables,
  names: Partial<HeaderNames> = {},
  localHost = '127.0.0.1',
  max = MAX_CUSTOM_HEADERS,
): InviteVariables {
  const n = { ...DEFAULT_HEADER_NAMES, ...names };
  const sessionId = vars.sessionId ?? newSessionId();
  const headers: Array<[string, string]> = [];
  if (vars.token !== undefined) headers.push([n.token, vars.token]);
  headers.push([n.sessionId, sessionId]);
  if (vars.ani !== undefined) headers.push([n.ani, vars.ani]);
  if (vars.dnis !== undefined) headers.push([n.dnis, vars.dnis]);
  for (const [name, value] of vars.headers ?? []) headers.push([name, value]);
  checkHeaders(headers, max);
  const user = vars.extension ?? vars.dnis ?? 'agent';
  if (!URI_USER.test(user)) throw new CcsimError('ccsim_bad_option', `extension cannot be a SIP URI user [extension:${user}]`);
  const from = vars.ani !== undefined && URI_USER.test(vars.ani) ? `<sip:${vars.ani}@${hostPart(localHost)}>` : undefined;
  return { user, sessionId, from, headers };
}

/** Refuses what the contact center could not send. */
function checkHeaders(headers: ReadonlyArray<readonly [string, string]>, max: number): void {
  if (headers.length > max) {
    const names = headers.map(([name]) => name).join(', ');
    throw new CcsimError(
      'ccsim_too_many_headers',
      `the contact center sends at most ${max} custom headers; this call would need ${headers.length} [count:${headers.length}, max:${max}, headers:${names}]`,
    );
  }
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    if (!HEADER_TOKEN.test(name)) throw new CcsimError('ccsim_bad_header', `header name is not a SIP token [name:${JSON.stringify(name)}]`);
    if (!HEADER_VALUE.test(value)) throw new CcsimError('ccsim_bad_header', `header value has a line break [name:${name}]`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new CcsimError('ccsim_bad_header', `header set twice [name:${name}]`);
    seen.add(key);
  }
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Parses `Name: value` (the CLI's `--header`).
 * @throws CcsimError `ccsim_bad_header` without a colon or with an empty name
 */
export function parseHeaderArg(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (name === '') throw new CcsimError('ccsim_bad_header', `expected "Name: value" [got:${JSON.stringify(text)}]`);
  return [name, text.slice(colon + 1).trim()];
}

/**
 * *Return from the agent*: the BYE's X-headers as call variables. `contained` and
 * `destination` come from the configured header names; every other X-header becomes a
 * variable named after the header without its `X-` prefix, in lower case.
 * @param headers the BYE's headers as received (name, value)
 */
export function byeVariables(
  headers: ReadonlyArray<readonly [string, string]>,
  names: Partial<ByeHeaderNames> = {},
): Record<string, string> {
  const n = { ...DEFAULT_BYE_HEADERS, ...names };
  const containedKey = n.contained.toLowerCase();
  const destinationKey = n.destination.toLowerCase();
  const vars: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (key === containedKey) vars['contained'] = value.trim();
    else if (key === destinationKey) vars['destination'] = value.trim();
    else if (key.startsWith('x-')) vars[key.slice(2)] ??= value.trim();
  }
  return vars;
}
