/**
 * Agent tokens and API keys: generation, hashing, constant-time comparison.
 *
 * Both are 192-bit random secrets, so a single fast sha256 is the right hash
 * (no salt or slow KDF needed: there is nothing to brute-force); only the hash
 * is stored. Display prefixes let an operator recognise a secret in listings.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of agent tokens (sent by the trunk in `X-PolyAi-Auth-Token`). */
export const TOKEN_PREFIX = 'alt_';
/** Prefix of Handoff API keys. */
export const API_KEY_PREFIX = 'alk_';
/** Random bytes per secret (192 bits, 32 base64url characters). */
export const SECRET_BYTES = 24;
/** Characters of a secret shown in listings. */
export const DISPLAY_PREFIX_LENGTH = 8;

/** A new agent token: `alt_` + 32 url-safe characters. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** A new Handoff API key: `alk_` + 32 url-safe characters. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** sha256 of a token or key, lowercase hex (64 characters). The form stored and looked up. */
export function hashToken(secret: string): string {
  // The one-shot crypto.hash (Node >= 20.12) costs a quarter of createHash().update().digest():
  // it runs on every Handoff API request and every routed INVITE.
  return hash('sha256', secret, 'hex');
}

/** Alias of {@link hashToken} for API keys. */
export const hashApiKey = hashToken;

/** The first {@link DISPLAY_PREFIX_LENGTH} characters of a secret, for listings. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH);
}

/**
 * Constant-time string equality (crypto.timingSafeEqual). The time depends
 * only on the length of `expected`, never on where the strings differ.
 */
export function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a); // same work as a real compare, then fail
    return false;
  }
  return timingSafeEqual(a, b);
}

/** True when `secret` hashes to `storedHash`, compared in constant time. */
export function verifySecret(secret: string, storedHash: string): boolean {
  return safeEqual(storedHash, hashToken(secret));
}
