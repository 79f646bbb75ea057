/**
 * Inbound routing (ARCHITECTURE.md "SIP, inbound"): pick the trunk by source
 * address, then the agent by token header or Request-URI extension, and read
 * the contact center's session id.
 */
import { detachText } from '../sip/index.ts';
import type { Agent, Tenant } from '../store/types.ts';
import { Acl, parseAddress } from './acl.ts';
import { LookupCache, MISS } from './cache.ts';
import type { LookupCacheOptions } from './cache.ts';
import { RouteError } from './errors.ts';
import { hashToken, safeEqual } from './tokens.ts';
import type { RouteDirectory, RouteRequest, RouteResult, Trunk, TrunkSpec } from './types.ts';

/** Options of {@link Router}. */
export interface RouterOptions {
  /** Trunks in priority order: the first whose ACL matches a source takes it. */
  trunks: readonly TrunkSpec[];
  /** Where agents and tenants are looked up (a Store). */
  directory: RouteDirectory;
  /** Lookup cache (TTL default 5000 ms, 10000 entries); call {@link Router.invalidate} after directory changes. */
  cache?: LookupCacheOptions;
}

interface Resolved {
  agent: Agent;
  tenant: Tenant;
}

/**
 * Compiles a trunk's ACL.
 * @throws AclError for an invalid CIDR in `spec.sources`
 */
export function compileTrunk(spec: TrunkSpec): Trunk {
  return { ...spec, sources: [...spec.sources], sharedIdHeaders: [...spec.sharedIdHeaders], acl: new Acl(spec.sources) };
}

/** Reads the shared id: the first of the trunk's headers with a non-empty value. */
export function readSharedId(trunk: TrunkSpec, req: RouteRequest): { sharedId: string; header: string } | undefined {
  for (const header of trunk.sharedIdHeaders) {
    const v = req.header(header)?.trim();
    // The id outlives the INVITE by far (the handoff record, the Handoff API's document cache,
    // bounded by the bytes of the documents it counts, not of INVITEs their ids would hold).
    if (v) return { sharedId: detachText(v), header };
  }
  return undefined;
}


/** The agent a token names. @throws RouteError `route_token_unknown` */
function checkToken(trunk: Trunk, token: string, hash: string, found: Resolved | undefined): Resolved {
  // The hash lookup is not constant-time; the final comparison is, so a
  // lookup structure cannot become an oracle on the stored hash.
  if (token === '' || !found || !safeEqual(found.agent.tokenHash ?? '', hash)) {
    throw new RouteError('route_token_unknown', `unknown token [trunk:${trunk.name}, header:${trunk.tokenHeader}]`);
  }
  return found;
}

/** The agent an extension names. @throws RouteError `route_extension_unknown` */
function checkExtension(trunk: Trunk, ext: string, found: Resolved | undefined): Resolved {
  if (!found) throw new RouteError('route_extension_unknown', `unknown extension [ext:${ext || '(none)'}, trunk:${trunk.name}]`);
  return found;
}

/** Addresses whose trunk decision {@link Router.matchTrunk} keeps at most. */
export const TRUNK_DECISIONS = 256;
/** A remembered "no trunk" (deny). */
const NO_TRUNK = Symbol('no trunk');

/** Routes INVITEs to agents. One per process, shared by every call. */
export class Router {
  /** Compiled trunks, in priority order. */
  readonly trunks: readonly Trunk[];
  readonly #directory: RouteDirectory;
  readonly #cache: LookupCache<Resolved | undefined>;
  /** {@link matchTrunk}'s decisions by source address text. */
  readonly #trunkOf = new Map<string, Trunk | typeof NO_TRUNK>();

  /** @throws AclError when a trunk lists an invalid CIDR */
  constructor(options: RouterOptions) {
    this.trunks = options.trunks.map(compileTrunk);
    this.#directory = options.directory;
    this.#cache = new LookupCache(options.cache);
  }

  /**
   * The first trunk whose ACL contains `sourceAddress` (no port), or undefined: deny.
   * Decisions are remembered per address text (a trunk's INVITEs come from a few SBC
   * addresses): the address is parsed once, not once per trunk and per request (parsing was
   * 0.28 % of a 1,600 cps profile). The trunks never change after construction; the table is
   * emptied when it reaches {@link TRUNK_DECISIONS} addresses, so a flood from many sources
   * costs a parse each, as before, and no memory.
   */
  matchTrunk(sourceAddress: string): Trunk | undefined {
    const known = this.#trunkOf.get(sourceAddress);
    if (known !== undefined) return known === NO_TRUNK ? undefined : known;
    const w = parseAddress(sourceAddress);
    const trunk = w === undefined ? undefined : this.trunks.find((t) => t.acl.matchesWords(w));
    if (this.#trunkOf.size >= TRUNK_DECISIONS) this.#trunkOf.clear();
    this.#trunkOf.set(sourceAddress, trunk ?? NO_TRUNK);
    return trunk;
  }

  /**
   * Finds the agent for an INVITE that arrived on `trunk`.
   * 1. Token header present: its hash must name an agent (else `route_token_unknown`, 403).
   * 2. Otherwise the Request-URI user must be an extension (else `route_extension_unknown`, 404).
   * @throws RouteError (`route_unavailable`, 503, when the directory fails)
   */
  async route(trunk: Trunk, req: RouteRequest): Promise<RouteResult> {
    const token = req.header(trunk.tokenHeader);
    // A cached agent comes back as it is, not as a promise (about four fewer promises an INVITE).
    const lookup = token !== undefined ? this.#byToken(trunk, token.trim()) : this.#byExtension(trunk, req.requestUriUser);
    const found = lookup instanceof Promise ? await lookup : lookup;
    const shared = readSharedId(trunk, req);
    const result: RouteResult = { trunk, tenant: found.tenant, agent: found.agent, via: token !== undefined ? 'token' : 'extension' };
    if (shared) {
      result.sharedId = shared.sharedId;
      result.sharedIdHeader = shared.header;
    }
    return result;
  }

  /** Forgets cached lookups; call after creating, changing or deleting agents or tokens. */
  invalidate(): void {
    this.#cache.invalidate();
  }

  /** @throws RouteError `route_token_unknown` (the rejection when not cached) */
  #byToken(trunk: Trunk, token: string): Resolved | Promise<Resolved> {
    const hash = hashToken(token);
    const key = `t:${hash}`;
    const cached = this.#cache.peek(key);
    if (cached !== MISS) return checkToken(trunk, token, hash, cached);
    return this.#lookup(key, () => this.#directory.findAgentByTokenHash(hash)).then((found) => checkToken(trunk, token, hash, found));
  }

  /** @throws RouteError `route_extension_unknown` (the rejection when not cached) */
  #byExtension(trunk: Trunk, user: string | undefined): Resolved | Promise<Resolved> {
    const ext = user?.trim() ?? '';
    if (ext === '') return checkExtension(trunk, ext, undefined);
    const key = `e:${ext}`;
    const cached = this.#cache.peek(key);
    if (cached !== MISS) return checkExtension(trunk, ext, cached);
    return this.#lookup(key, () => this.#directory.findAgentByExtension(ext)).then((found) => checkExtension(trunk, ext, found));
  }

  async #lookup(key: string, find: () => Promise<Agent | undefined>): Promise<Resolved | undefined> {
    try {
      return await this.#cache.get(key, async () => {
        const agent = await find();
        if (!agent) return undefined;
        const tenant = await this.#directory.getTenant(agent.tenantId);
        return tenant ? { agent, tenant } : undefined;
      });
    } catch (err) {
      throw new RouteError('route_unavailable', `directory unavailable [key:${key.slice(0, 10)}]`, { cause: err });
    }
  }
}
