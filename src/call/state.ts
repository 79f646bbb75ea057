/**
 * The call state machine as a table (STYLE.md principle 3): state × event → next state.
 * An event a state does not list is a bug in the orchestrator and throws.
 */
import type { CallEvent, CallState } from './types.ts';

/** Allowed transitions. */
export const CALL_TRANSITIONS: Readonly<Record<CallState, Partial<Record<CallEvent, CallState>>>> = {
  received: { route: 'routed', reject: 'ended', cancel: 'ended' },
  // Ringing: a CANCEL (RFC 3261 §9.2, answered 487 by the stack) or a late failure ends it.
  routed: { answer: 'answered', reject: 'ended', cancel: 'ended' },
  answered: { start: 'active', end: 'ending' },
  active: { end: 'ending' },
  ending: { finish: 'ended' },
  ended: {},
};

/** A transition the table does not allow. */
export class CallStateError extends Error {
  override readonly name = 'CallStateError';
  readonly code = 'call_bad_transition';
}

/** One call's state, moved only through {@link CALL_TRANSITIONS}. */
export class CallStateMachine {
  #state: CallState = 'received';

  /** The current state. */
  get state(): CallState {
    return this.#state;
  }

  /** True when `event` is allowed now. */
  can(event: CallEvent): boolean {
    return CALL_TRANSITIONS[this.#state][event] !== undefined;
  }

  /**
   * Applies `event`.
   * @throws CallStateError when the table does not allow it
   */
  fire(event: CallEvent): CallState {
    const next = CALL_TRANSITIONS[this.#state][event];
    if (next === undefined) throw new CallStateError(`no transition [state:${this.#state}, event:${event}]`);
    this.#state = next;
    return next;
  }
}
