/**
 * Public surface of the routing layer.
 */
export { Acl, AclError, parseAddress, parseCidr } from './acl.ts';
export type { Cidr } from './acl.ts';
export { evictOldest, LookupCache, MISS } from './cache.ts';
export type { LookupCacheOptions } from './cache.ts';
export { LocalConcurrencyLimiter } from './concurrency.ts';
export type { ConcurrencyLimiter, Release } from './concurrency.ts';
export { ROUTE_ERRORS, RouteError } from './errors.ts';
export type { RouteErrorCode } from './errors.ts';
export { Router, compileTrunk, readSharedId } from './router.ts';
export type { RouterOptions } from './router.ts';
export {
  API_KEY_PREFIX, DISPLAY_PREFIX_LENGTH, SECRET_BYTES, TOKEN_PREFIX, displayPrefix, generateApiKey, generateToken, hashApiKey,
  hashToken, safeEqual, verifySecret,
} from './tokens.ts';
export type { RouteDirectory, RouteRequest, RouteResult, Trunk, TrunkSpec } from './types.ts';
