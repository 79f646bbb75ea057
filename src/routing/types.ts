/**
 * Routing contracts: trunks as configured, compiled trunks, the request view
 * routing needs, and its result.
 */
import type { Agent, AgentStore, TenantStore, Tenant } from '../store/types.ts';
import type { Acl } from './acl.ts';

/**
 * A trunk as configured (`trunks[]` in agentline.yaml; config fills every
 * default, so all fields but `referTarget` are present).
 */
export interface TrunkSpec {
  /** Unique trunk name (logs, metrics, CDRs). */
  name: string;
  /** CIDRs allowed to send requests. */
  sources: string[];
  /** Answer `403` to denied sources, or drop silently. */
  onDenied: 'reject' | 'drop';
  /** Header carrying the agent token, spelled as configured (e.g. `X-PolyAi-Auth-Token`). */
  tokenHeader: string;
  /** Headers carrying the contact center's session id; the first present wins. */
  sharedIdHeaders: string[];
  /** Names of the headers added to the BYE, spelled as configured. */
  byeHeaders: { contained: string; destination: string };
  /** How a call is handed back: BYE with headers, or REFER. */
  transfer: 'bye' | 'refer';
  /** `Refer-To` template when `transfer` is `refer`. */
  referTarget?: string;
}

/** A trunk with its ACL compiled. */
export interface Trunk extends Readonly<TrunkSpec> {
  readonly acl: Acl;
}

/**
 * What routing reads from an INVITE. `header` looks a name up
 * case-insensitively (the SIP layer supplies it) and returns the first value.
 */
export interface RouteRequest {
  header(name: string): string | undefined;
  /** User part of the Request-URI (`7001` in `sip:7001@gw`), if any. */
  requestUriUser?: string;
}

/** A routed call. */
export interface RouteResult {
  trunk: Trunk;
  tenant: Tenant;
  agent: Agent;
  /** How the agent was found. */
  via: 'token' | 'extension';
  /** Contact-center session id; absent when none of the trunk's headers is present. */
  sharedId?: string;
  /** The header name (as configured) the shared id came from. */
  sharedIdHeader?: string;
}

/** The part of the Store routing reads. */
export type RouteDirectory = Pick<AgentStore, 'findAgentByTokenHash' | 'findAgentByExtension'> & Pick<TenantStore, 'getTenant'>;
