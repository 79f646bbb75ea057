/**
 * Authentication of the Handoff API (API keys: `x-api-key`, or `Authorization: Bearer`)
 * and of the admin API (the admin key: `x-admin-key`, or Bearer). API keys are looked up
 * by their sha256 (keys are stored hashed); the admin key is compared in constant time.
 * Lookups go through short TTL caches so that the hot path costs no store read per
 * request; the TTL bounds how long a revoked key keeps working on another node (this
 * node's admin API clears the caches on every directory change; default 1 s).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { hashApiKey, safeEqual } from '../routing/index.ts';
import type { Agent, ApiKey, Store, Tenant } from '../store/index.ts';
import { failure, NOT_FOUND_JSON, sendFailure } from './errors.ts';
import { MISS, TtlCache } from './ttl-cache.ts';

/** Longest credential accepted, characters (ours are 36). Longer ones are not even hashed. */
export const MAX_KEY_LENGTH = 256;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The credential in `header` (e.g. `x-api-key`), else in `Authorization: Bearer`. */
export function credentialFrom(headers: IncomingHttpHeaders, header: string): string | undefined {
  const direct = headers[header];
  const value = typeof direct === 'string' && direct !== '' ? direct.trim() : bearerOf(headers.authorization);
  if (value === undefined || value === '' || value.length > MAX_KEY_LENGTH) return undefined;
  return value;
}

function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

/** A value now (cache hit) or later (store read). */
export type Maybe<T> = T | Promise<T>;

/** Options of {@link Directory}. */
export interface DirectoryOptions {
  /** Cache TTL, ms; 0 disables caching. */
  ttlMs: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Cached reads of the directory for the Handoff API: API keys by hash, tenants by id,
 * agents by (tenant, ref). A hit is returned synchronously (no promise on the hot path).
 */
export class Directory {
  readonly #store: Store;
  readonly #keys: TtlCache<ApiKey | undefined>;
  readonly #tenants: TtlCache<Tenant | undefined>;
  readonly #agents: TtlCache<Agent | undefined>;

  /** @param store the directory; @param options cache TTL and clock */
  constructor(store: Store, options: DirectoryOptions) {
    this.#store = store;
    const cache = { ttlMs: options.ttlMs, ...(options.now === undefined ? {} : { now: options.now }) };
    this.#keys = new TtlCache(cache);
    this.#tenants = new TtlCache(cache);
    this.#agents = new TtlCache(cache);
  }

  /** The active key with this plain-text value, or undefined (unknown or revoked). */
  apiKey(plain: string): Maybe<ApiKey | undefined> {
    const hash = hashApiKey(plain);
    return cached(this.#keys, hash, () => this.#store.findApiKeyByHash(hash));
  }

  /** A tenant by id. */
  tenant(id: string): Maybe<Tenant | undefined> {
    return cached(this.#tenants, id, () => this.#store.getTenant(id));
  }

  /** An agent of `tenantId` by id or slug. */
  agent(tenantId: string, ref: string): Maybe<Agent | undefined> {
    return cached(this.#agents, `${tenantId}\n${ref}`, () => this.#store.findAgent(tenantId, ref));
  }

  /** Forgets every cached lookup (after a directory change: a revoked key stops at once). */
  invalidate(): void {
    this.#keys.clear();
    this.#tenants.clear();
    this.#agents.clear();
  }
}

function cached<V>(cache: TtlCache<V>, key: string, load: () => Promise<V>): Maybe<V> {
  const hit = cache.peek(key);
  return hit === MISS ? cache.get(key, load) : hit;
}

/**
 * `onRequest` hook of the admin API. Without a configured admin key the admin API does
 * not exist (404, like any unknown path); with one, a missing or wrong key gets 401.
 */
export function adminAuth(adminKey: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // Sending and returning the reply ends the request here (Fastify async hooks).
    if (adminKey === undefined) return reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND_JSON);
    const given = credentialFrom(request.headers, 'x-admin-key');
    if (given === undefined || !safeEqual(adminKey, given)) {
      return sendFailure(reply.header('www-authenticate', 'Bearer'), failure('unauthorized'));
    }
    return undefined;
  };
}
