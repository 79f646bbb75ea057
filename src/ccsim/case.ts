/**
 * The *Case* step of the IVR script: after the agent hands back, route the caller.
 * 1. The Third Party Transfer failed (no 2xx): the script's error branch → default skill.
 * 2. The caller side ended the call (hangup, guard timeout): nothing to route → end.
 * 3. The Query module succeeded: the Handoff API's `data` decides — `contained: true`
 *    ends the call, else transfer to the skill of `data.destination` (default skill when
 *    it has none).
 * 4. The Query module failed or was skipped: the BYE headers are all there is —
 *    `contained=true` ends, a `destination` transfers to its skill, else default skill.
 * Pure: no I/O.
 */
import type { CallEnd, Decision, JsonObject, QueryResult, RoutingOptions } from './types.ts';

/** Skill used when nothing names one. */
export const DEFAULT_SKILL = 'default';

/** What the Case step looks at. */
export interface CaseInput {
  ended: CallEnd;
  /** The INVITE's final status. */
  answerStatus: number;
  /** Call variables from the BYE. */
  variables: Readonly<Record<string, string>>;
  query: QueryResult;
  routing?: RoutingOptions;
}

/** The routing decision (see the module comment for the order of the branches). */
export function decide(input: CaseInput): Decision {
  const routing = input.routing ?? {};
  const defaultSkill = routing.defaultSkill ?? DEFAULT_SKILL;
  if (input.answerStatus >= 300 || input.ended === 'not_answered') {
    return { action: 'transfer', skill: defaultSkill, source: 'default', reason: `the Third Party Transfer failed (${input.answerStatus}): default skill` };
  }
  if (input.ended === 'caller' || input.ended === 'timeout' || input.ended === 'aborted') {
    const how = input.ended === 'caller' ? 'the caller hung up' : input.ended === 'timeout' ? 'the caller gave up waiting for the agent' : 'the run was stopped';
    return { action: 'end', source: 'caller', reason: `${how} before the agent handed back` };
  }
  if (input.ended === 'error') {
    return { action: 'transfer', skill: defaultSkill, source: 'default', reason: 'the call failed before the agent handed back: default skill' };
  }
  if (input.query.branch === 'success' && input.query.handoff) return fromApi(input.query.handoff.data, input.variables, routing, defaultSkill);
  return fromBye(input.variables, input.query, routing, defaultSkill);
}

function skillOf(destination: string, routing: RoutingOptions): string {
  return routing.skills?.[destination] ?? destination;
}

/** Branch 3: the Handoff API's record decides. */
function fromApi(data: JsonObject, vars: Readonly<Record<string, string>>, routing: RoutingOptions, defaultSkill: string): Decision {
  const contained = data['contained'] === true;
  const destination = typeof data['destination'] === 'string' && data['destination'] !== '' ? data['destination'] : undefined;
  const agree = agreement(contained, destination, vars);
  if (contained) return { action: 'end', contained, source: 'handoff_api', reason: `Handoff API: contained=true, the call ends${agree}`, data };
  if (destination === undefined) {
    return { action: 'transfer', contained, skill: defaultSkill, source: 'handoff_api', reason: `Handoff API: not contained and no destination: default skill${agree}`, data };
  }
  const skill = skillOf(destination, routing);
  return { action: 'transfer', contained, destination, skill, source: 'handoff_api', reason: `Handoff API: contained=false, destination=${destination} → skill ${skill}${agree}`, data };
}

/** Notes whether the BYE headers say the same as the record (ARCHITECTURE.md: they must). */
function agreement(contained: boolean, destination: string | undefined, vars: Readonly<Record<string, string>>): string {
  if (vars['contained'] === undefined && vars['destination'] === undefined) return '; the BYE carried no routing headers';
  const same = vars['contained'] === String(contained) && vars['destination'] === destination;
  return same ? '; the BYE headers agree' : `; the BYE headers DISAGREE (contained=${vars['contained'] ?? '-'}, destination=${vars['destination'] ?? '-'})`;
}

/** Branch 4: the API gave nothing; the BYE headers decide. */
function fromBye(vars: Readonly<Record<string, string>>, query: QueryResult, routing: RoutingOptions, defaultSkill: string): Decision {
  const why = query.branch === 'skipped' ? 'no Handoff API query' : `Handoff API ${query.branch}: ${query.reason}`;
  const contained = vars['contained']?.toLowerCase();
  if (contained === 'true') return { action: 'end', contained: true, source: 'bye_headers', reason: `${why}; BYE headers: contained=true, the call ends` };
  const destination = vars['destination'];
  if (destination !== undefined && destination !== '') {
    const skill = skillOf(destination, routing);
    return {
      action: 'transfer', destination, skill, source: 'bye_headers',
      ...(contained === 'false' ? { contained: false } : {}),
      reason: `${why}; BYE headers: destination=${destination} → skill ${skill}`,
    };
  }
  return { action: 'transfer', skill: defaultSkill, source: 'default', reason: `${why}; the BYE headers name no destination: default skill` };
}
