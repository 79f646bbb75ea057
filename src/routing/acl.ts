/**
 * Source-address ACLs: CIDR parsing and matching for IPv4 and IPv6.
 *
 * Every address is held as 128 bits (four 32-bit words); IPv4 is held in its
 * IPv4-mapped form `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), so an IPv4 CIDR
 * matches both `10.1.2.3` and `::ffff:10.1.2.3` (what a dual-stack socket
 * reports), and `::/0` matches every address, IPv4 included. Networks and
 * masks are precomputed; a match is four AND/compares per CIDR.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Error for a CIDR (or address) that does not parse. */
export class AclError extends Error {
  /** Stable code. */
  readonly code = 'acl_invalid_cidr' as const;
  /** The offending text, verbatim. */
  readonly cidr: string;

  /** @param cidr the text that failed to parse */
  constructor(cidr: string, reason: string) {
    super(`invalid CIDR "${cidr}": ${reason}`);
    this.name = 'AclError';
    this.cidr = cidr;
  }
}

/** An address as four big-endian 32-bit words. */
type Words = [number, number, number, number];

function parseIPv4Word(text: string): number {
  const p = text.split('.');
  return (((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0);
}

function parseIPv6Words(text: string): Words {
  const groups: number[] = [];
  const push = (part: string): void => {
    if (part === '') return;
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const w = parseIPv4Word(g);
        groups.push(w >>> 16, w & 0xffff);
      } else {
        groups.push(parseInt(g, 16));
      }
    }
  };
  const gap = text.indexOf('::');
  let head: number[] = [];
  if (gap >= 0) {
    push(text.slice(0, gap));
    head = groups.splice(0);
    push(text.slice(gap + 2));
  } else {
    push(text);
  }
  const all = [...head, ...new Array<number>(8 - head.length - groups.length).fill(0), ...groups];
  return [0, 1, 2, 3].map((i) => (((all[2 * i] ?? 0) << 16) | (all[2 * i + 1] ?? 0)) >>> 0) as Words;
}

/**
 * Parses an IPv4 or IPv6 address (brackets and a `%zone` are ignored) into
 * 128 bits, IPv4 as IPv4-mapped. Returns undefined when it is not an address.
 */
export function parseAddress(text: string): Words | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return [0, 0, 0xffff, parseIPv4Word(s)];
  if (isIPv6(s)) return parseIPv6Words(s);
  return undefined;
}

/** A parsed CIDR. */
export interface Cidr {
  /** The text it was parsed from. */
  text: string;
  /** Prefix length in the 128-bit space (IPv4 /n is 96+n). */
  prefix: number;
  /** Network words, already masked (host bits in the text are ignored). */
  network: Words;
  /** Mask words. */
  mask: Words;
}

function maskWords(prefix: number): Words {
  return [0, 1, 2, 3].map((i) => {
    const bits = Math.min(32, Math.max(0, prefix - 32 * i));
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  }) as Words;
}

/**
 * Parses `a.b.c.d/n`, `x::y/n`, or a bare address (= /32 or /128).
 * @throws AclError naming the text when the address or prefix is invalid
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addrText = (slash >= 0 ? text.slice(0, slash) : text).trim();
  if (addrText.includes('%')) throw new AclError(text, 'zone ids are not allowed');
  const words = parseAddress(addrText);
  if (!words) throw new AclError(text, 'not an IPv4 or IPv6 address');
  const v4 = isIPv4(addrText);
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new AclError(text, `prefix must be 0..${max}`);
    bits = Number(p);
  }
  const prefix = v4 ? 96 + bits : bits;
  const mask = maskWords(prefix);
  const network = words.map((w, i) => (w & mask[i]!) >>> 0) as Words;
  return { text, prefix, network, mask };
}

/** A compiled list of CIDRs; matches when any CIDR contains the address. */
export class Acl {
  /** The CIDRs, in the order given. */
  readonly cidrs: readonly Cidr[];
  readonly #table: Uint32Array;

  /**
   * @param cidrs CIDR texts (see {@link parseCidr}); an empty list matches nothing
   * @throws AclError for the first invalid entry
   */
  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs.map(parseCidr);
    // Flat [net0..net3, mask0..mask3] per CIDR, for a tight match loop.
    this.#table = new Uint32Array(this.cidrs.length * 8);
    this.cidrs.forEach((c, i) => {
      this.#table.set(c.network, i * 8);
      this.#table.set(c.mask, i * 8 + 4);
    });
  }

  /** True when `address` (IPv4, IPv6 or IPv4-mapped; no port) is inside any CIDR. False for non-addresses. */
  matches(address: string): boolean {
    const w = parseAddress(address);
    return w !== undefined && this.matchesWords(w);
  }

  /** {@link matches} for an address already parsed by {@link parseAddress}. */
  matchesWords(w: readonly [number, number, number, number]): boolean {
    const t = this.#table;
    for (let o = 0; o < t.length; o += 8) {
      if (((w[0] & t[o + 4]!) >>> 0) === t[o] && ((w[1] & t[o + 5]!) >>> 0) === t[o + 1]
        && ((w[2] & t[o + 6]!) >>> 0) === t[o + 2] && ((w[3] & t[o + 7]!) >>> 0) === t[o + 3]) return true;
    }
    return false;
  }
}
