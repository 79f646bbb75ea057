/**
 * The flow agent's model: a validated flow, as the runner executes it. The YAML shape it
 * comes from is in `schema.ts` and documented on {@link parseFlow}'s module.
 */
import type { Outcome } from '../types.ts';

/** A prompt: text to speak or a WAV file to play. Strings may hold `${…}` templates. */
export type Prompt = { say: string } | { play: string };

/** Speaks `text`, then goes to `next`. */
export interface SayStep {
  kind: 'say';
  text: string;
  next: string;
  /** A digit stops the prompt at once and is kept as input (default true). */
  bargeIn: boolean;
}

/** Plays a WAV file, then goes to `next`. */
export interface PlayStep {
  kind: 'play';
  file: string;
  next: string;
  /** A digit stops the prompt at once and is kept as input (default true). */
  bargeIn: boolean;
}

/** How a collect step gathers digits. */
export interface CollectSpec {
  /** Played before the first attempt (barge-in always on). */
  prompt?: Prompt;
  /** Played before each retry (default: `prompt`). */
  reprompt?: Prompt;
  /** Variable that receives the digits (without the terminator). */
  into: string;
  /** Fewest digits of a valid entry (default 1). */
  minDigits: number;
  /** Most digits; the entry ends when reached (default 1). */
  maxDigits: number;
  /** Digit that ends the entry early, or null for none (default `#`). */
  terminator: string | null;
  /** Whole entry time after the prompt, ms (default 5000). */
  timeoutMs: number;
  /** Longest gap after a digit, ms (default 3000). */
  interDigitTimeoutMs: number;
  /** Attempts after the first one, each after the re-prompt (default 1). */
  retries: number;
  /** Accepted entries; others count as invalid (default: any). */
  valid?: readonly string[];
  /** Step after the last attempt timed out with no digit (default: `next`, variable empty). */
  onNoInput?: string;
  /** Step after the last attempt was invalid (default: `next`, variable empty). */
  onInvalid?: string;
}

/** Gathers digits into a variable, with retries. */
export interface CollectStep {
  kind: 'collect';
  collect: CollectSpec;
  next: string;
}

/** Goes to the step named for a value, else to `default`. */
export interface BranchStep {
  kind: 'branch';
  /** Template of the value to test; when absent, the digits of the last collect. */
  value?: string;
  on: Readonly<Record<string, string>>;
  default: string;
}

/** Sets variables (templates interpolated), then goes to `next`. */
export interface SetStep {
  kind: 'set';
  values: Readonly<Record<string, string | number | boolean>>;
  next: string;
}

/** Ends the flow, handing the call back to a destination. */
export interface HandoffStep {
  kind: 'handoff';
  /** Logical destination; absent: the agent's default destination (chosen by the call). */
  destination?: string;
  /** Goes into the outcome data as `handoff_reason`. */
  reason?: string;
  data: Readonly<Record<string, unknown>>;
}

/** Ends the flow contained. */
export interface EndStep {
  kind: 'end';
  data: Readonly<Record<string, unknown>>;
}

/** One step of a flow. */
export type FlowStep = SayStep | PlayStep | CollectStep | BranchStep | SetStep | HandoffStep | EndStep;

/** A validated flow. */
export interface Flow {
  /** First step. */
  start: string;
  steps: Readonly<Record<string, FlowStep>>;
  /** Outcome when the caller hangs up mid-flow (default `{ contained: true }`). */
  onHangup: Outcome;
  /** Most steps one call may visit; beyond, the agent fails (default 200). */
  maxSteps: number;
}
