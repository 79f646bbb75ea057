/**
 * RTP port allocation from a configured range. RTP takes an even port and RTCP the odd
 * one above it (RFC 3550 §11), so a session reserves the pair. Ports are handed out
 * round-robin, so that a port just freed is reused last and stray packets of the
 * previous call are unlikely to reach the next one.
 */
import { MediaError } from './errors.ts';

/** Where an RTP session gets its port from, and gives it back to. */
export interface PortSource {
  /**
   * Reserves a port for RTP (its RTCP port is the one above it); 0 means "let the OS
   * pick" and then RTCP gets an OS-picked port too (announced with `a=rtcp`, RFC 3605).
   */
  allocate(): number;
  /** Gives back what `allocate` returned. */
  release(port: number): void;
}

/**
 * A {@link PortSource} that always lets the OS pick (port 0): for tests and for setups
 * without a firewall-friendly range.
 */
export const ephemeralPorts: PortSource = {
  allocate: () => 0,
  release: () => undefined,
};

/** Allocates even RTP ports (RTCP = port + 1) from `[min, max]`. */
export class PortAllocator implements PortSource {
  /** Lowest RTP port handed out (even). */
  readonly min: number;
  /** Highest RTP port handed out (even; its RTCP port is ≤ the configured max). */
  readonly max: number;
  private readonly used: Uint8Array;
  private cursor = 0;
  private count = 0;

  /**
   * @param min first port of the range, inclusive (default 10000; rounded up to even)
   * @param max last port of the range, inclusive (default 20000)
   * @throws MediaError `media_invalid_argument` when the range holds no even/odd pair
   */
  constructor(min = 10000, max = 20000) {
    this.min = min + (min & 1);
    this.max = (max - 1) & ~1;
    if (!Number.isInteger(min) || !Number.isInteger(max) || this.min < 1024 || this.max > 65534 || this.max < this.min) {
      throw new MediaError('media_invalid_argument', `RTP port range holds no even/odd pair [range:${min}-${max}]`);
    }
    this.used = new Uint8Array((this.max - this.min) / 2 + 1);
  }

  /** Number of port pairs in the range. */
  get size(): number {
    return this.used.length;
  }

  /** Number of pairs in use. */
  get inUse(): number {
    return this.count;
  }

  /**
   * Reserves a port pair.
   * @returns the even RTP port; RTCP is the port above it
   * @throws MediaError `media_ports_exhausted` when every pair is in use
   */
  allocate(): number {
    const n = this.used.length;
    for (let i = 0; i < n; i++) {
      const slot = (this.cursor + i) % n;
      if (this.used[slot] === 0) {
        this.used[slot] = 1;
        this.count++;
        this.cursor = (slot + 1) % n;
        return this.min + 2 * slot;
      }
    }
    throw new MediaError('media_ports_exhausted', `no free RTP port [range:${this.min}-${this.max + 1}, in use:${this.count}]`);
  }

  /**
   * Returns a pair. Releasing a port that is not allocated (or outside the range) does
   * nothing, so a double release is harmless.
   */
  release(port: number): void {
    const slot = (port - this.min) / 2;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.used.length || this.used[slot] === 0) return;
    this.used[slot] = 0;
    this.count--;
  }

  /** True when `port` is allocated. */
  isAllocated(port: number): boolean {
    const slot = (port - this.min) / 2;
    return Number.isInteger(slot) && this.used[slot] === 1;
  }
}
