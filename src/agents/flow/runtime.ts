/**
 * What an agent takes from its host besides the call: time and a logger. Both are
 * injected so that tests drive timeouts exactly (STYLE.md principle 2). Shared by the
 * flow and WebSocket agents.
 */
import type { ClockTimers } from '../../media/clock.ts';
import { createLogger, type Logger } from '../../obs/index.ts';

/** Host services of an agent. */
export interface AgentRuntime {
  /** Timers and monotonic time (default: real `setTimeout` and `performance.now()`). */
  timers: ClockTimers;
  /** Logger, ideally the call's child logger (default: silent). */
  logger: Logger;
}

/** Optional overrides of {@link AgentRuntime}. */
export type AgentRuntimeOptions = Partial<AgentRuntime>;

/** Real time: `performance.now()` and unref'd Node timers (they never hold the process). */
export const REAL_TIMERS: ClockTimers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

let silent: Logger | undefined;

/** Fills the defaults of a runtime. */
export function agentRuntime(options: AgentRuntimeOptions = {}): AgentRuntime {
  silent ??= createLogger({ level: 'silent' });
  return { timers: options.timers ?? REAL_TIMERS, logger: options.logger ?? silent };
}
