/**
 * The built-in agent: waits a configured time or for a DTMF digit, then ends with the
 * outcome configured for that digit (or its default outcome). It drives the gateway's
 * loop end to end before the flow agent and the WebSocket bridge exist, and is the demo
 * agent's behaviour.
 */
import type { Agent, AgentContext, AgentMedia, Outcome } from './types.ts';
import { AgentConfigError } from './errors.ts';

/** Configuration of a built-in agent (the directory's `agent.config` for kind `builtin`). */
export interface BuiltinConfig {
  /** How long to wait for a digit before ending with `outcome`, ms. Default 30000. */
  waitMs: number;
  /** Outcome per digit; a digit not listed is ignored. Default none. */
  digits: Record<string, Outcome>;
  /** Outcome when no listed digit comes within `waitMs`. Default `{ contained: true }`. */
  outcome: Outcome;
}

/** Default wait for the built-in agent, ms. */
export const BUILTIN_DEFAULT_WAIT_MS = 30_000;

/** The demo agent's configuration: 1 → billing, 2 → support, 3 → contained. */
export const DEMO_BUILTIN_CONFIG: BuiltinConfig = {
  waitMs: BUILTIN_DEFAULT_WAIT_MS,
  digits: {
    '1': { contained: false, destination: 'billing', data: { handoff_reason: 'billing question' } },
    '2': { contained: false, destination: 'support', data: { handoff_reason: 'support request' } },
    '3': { contained: true, data: { resolved: true } },
  },
  outcome: { contained: true },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Checks one outcome from config. @throws AgentConfigError */
export function parseOutcome(raw: unknown, where: string): Outcome {
  if (!isObject(raw) || typeof raw['contained'] !== 'boolean') {
    throw new AgentConfigError(`outcome needs a boolean "contained" [at:${where}]`);
  }
  const out: Outcome = { contained: raw['contained'] };
  const dest = raw['destination'];
  if (dest !== undefined) {
    if (typeof dest !== 'string' || dest === '') throw new AgentConfigError(`destination must be a non-empty string [at:${where}]`);
    out.destination = dest;
  }
  const data = raw['data'];
  if (data !== undefined) {
    if (!isObject(data)) throw new AgentConfigError(`data must be an object [at:${where}]`);
    out.data = { ...data };
  }
  return out;
}

/**
 * Validates a built-in agent's configuration and applies defaults.
 * @throws AgentConfigError on a wrong shape
 */
export function parseBuiltinConfig(raw: Readonly<Record<string, unknown>>): BuiltinConfig {
  const waitMs = raw['waitMs'] ?? BUILTIN_DEFAULT_WAIT_MS;
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) {
    throw new AgentConfigError(`waitMs must be a non-negative number [waitMs:${String(waitMs)}]`);
  }
  const digitsRaw = raw['digits'] ?? {};
  if (!isObject(digitsRaw)) throw new AgentConfigError('digits must map a digit to an outcome');
  const digits: Record<string, Outcome> = {};
  for (const [digit, o] of Object.entries(digitsRaw)) {
    if (!/^[0-9*#A-D]$/.test(digit)) throw new AgentConfigError(`not a DTMF digit [digit:${digit}]`);
    digits[digit] = parseOutcome(o, `digits.${digit}`);
  }
  const outcome = raw['outcome'] === undefined ? { contained: true } : parseOutcome(raw['outcome'], 'outcome');
  return { waitMs, digits, outcome };
}

/** Copies an outcome so that the caller may change it freely. */
function copyOutcome(o: Outcome, extra: Record<string, unknown>): Outcome {
  return { ...o, data: { ...o.data, ...extra } };
}

/** See the module comment. */
export class BuiltinAgent implements Agent {
  readonly config: BuiltinConfig;

  /** @throws AgentConfigError for an invalid configuration */
  constructor(config: Readonly<Record<string, unknown>>) {
    this.config = parseBuiltinConfig(config);
  }

  /** Waits for a configured digit, the wait time, or the abort, whichever comes first. */
  run(_ctx: AgentContext, media: AgentMedia, signal: AbortSignal): Promise<Outcome> {
    const { waitMs, digits, outcome } = this.config;
    return new Promise<Outcome>((resolve) => {
      const cleanup: Array<() => void> = [];
      const finish = (o: Outcome): void => {
        for (const undo of cleanup.splice(0)) undo();
        resolve(o);
      };
      const onAbort = (): void => finish(copyOutcome(outcome, { ended_early: true }));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      cleanup.push(() => signal.removeEventListener('abort', onAbort));
      cleanup.push(media.onDtmf((digit) => {
        const chosen = digits[digit];
        if (chosen) finish(copyOutcome(chosen, { digit }));
      }));
      const timer = setTimeout(() => finish(copyOutcome(outcome, { timed_out: true })), waitMs);
      cleanup.push(() => clearTimeout(timer));
    });
  }
}
