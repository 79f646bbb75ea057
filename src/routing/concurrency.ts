/**
 * Per-agent concurrency limits (answer `486 Busy Here` at the limit) and the
 * process-wide active-call count. In-process now; a cluster limiter (shared
 * counters in Redis) implements the same {@link ConcurrencyLimiter} interface.
 */

/** Gives a slot back. Idempotent: only the first call counts. */
export type Release = () => void;

/** Counts calls per agent and in total. */
export interface ConcurrencyLimiter {
  /**
   * Takes a slot for `agentId` unless it already holds `limit` (0 = unlimited).
   * Returns the release function, or null when the agent is at its limit.
   */
  tryAcquire(agentId: string, limit: number): Release | null;
  /** Calls holding a slot for `agentId`. */
  activeFor(agentId: string): number;
  /** Calls holding a slot, all agents. */
  readonly activeCalls: number;
}

/** A {@link ConcurrencyLimiter} for one process. */
export class LocalConcurrencyLimiter implements ConcurrencyLimiter {
  readonly #perAgent = new Map<string, number>();
  #total = 0;

  /** @inheritdoc */
  get activeCalls(): number {
    return this.#total;
  }

  /** @inheritdoc */
  activeFor(agentId: string): number {
    return this.#perAgent.get(agentId) ?? 0;
  }

  /** @inheritdoc */
  tryAcquire(agentId: string, limit: number): Release | null {
    const held = this.activeFor(agentId);
    if (limit > 0 && held >= limit) return null;
    this.#perAgent.set(agentId, held + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const n = this.activeFor(agentId) - 1;
      if (n <= 0) this.#perAgent.delete(agentId);
      else this.#perAgent.set(agentId, n);
    };
  }
}
