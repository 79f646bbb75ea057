/**
 * One run of a flow over one call: steps executed in order from `start` until a
 * `handoff` or `end`, or until the caller hangs up (the signal aborts).
 *
 * Barge-in: while a say/play prompt (or a collect's prompt) plays, the first digit stops
 * it at once (`media.stop()`) and stays buffered as input for the next collect. A prompt
 * is skipped when digits are already buffered (the caller typed ahead).
 *
 * The outcome's data holds the flow variables, the step's data, `path` (the step names
 * visited, in order) and `digits` (each collect's variable → its digits).
 */
import { errorFor } from '../../obs/index.ts';
import type { AgentContext, AgentMedia, Outcome } from '../types.ts';
import { DigitInput } from './input.ts';
import type { AgentRuntime } from './runtime.ts';
import { interpolate, interpolateDeep, type TemplateScope } from './template.ts';
import type { BranchStep, CollectSpec, Flow, FlowStep, HandoffStep, Prompt } from './types.ts';
import type { CallSignal } from '../signal.ts';

/** Thrown inside a run when the signal aborted; caught by {@link FlowRun.run}. */
const ABORTED = Symbol('aborted');

/** What one collect attempt gathered. */
interface Entry {
  digits: string;
  /** True when the terminator ended the entry. */
  terminated: boolean;
}

/** How an attempt is judged. */
type Verdict = 'ok' | 'no_input' | 'invalid';

/** Judges an entry against the collect's rules. */
export function judgeEntry(entry: Entry, spec: CollectSpec): Verdict {
  if (entry.digits === '' && !entry.terminated) return 'no_input';
  if (entry.digits.length < spec.minDigits) return 'invalid';
  if (spec.valid !== undefined && !spec.valid.includes(entry.digits)) return 'invalid';
  return 'ok';
}

/** The state and steps of one run; see the module comment. */
export class FlowRun {
  /** Step names visited, in order. */
  readonly path: string[] = [];
  /** Flow variables. */
  readonly vars: Record<string, string | number | boolean> = {};
  /** Each collect's variable → the digits it got ('' after its attempts failed). */
  readonly digits: Record<string, string> = {};
  private lastInput = '';
  private readonly input: DigitInput;
  private readonly scope: TemplateScope;
  /**
   * Ends the prompt being waited for when the signal aborts. One field, replaced per prompt
   * and cleared when it settles: a promise that lived for the whole call, raced against
   * every prompt, would keep one reaction per prompt until the call ended.
   */
  private wake: ((v: typeof ABORTED) => void) | undefined;
  private readonly onAbort = (): void => this.wake?.(ABORTED);

  constructor(
    private readonly flow: Flow,
    private readonly ctx: AgentContext,
    private readonly media: AgentMedia,
    private readonly signal: CallSignal,
    private readonly rt: AgentRuntime,
  ) {
    this.input = new DigitInput(media, rt.timers, signal);
    this.scope = { ctx, vars: this.vars };
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Runs the flow to its end.
   * @throws AgentlineError `agent_failed` when the run visits more than `maxSteps` steps
   */
  async run(): Promise<Outcome> {
    try {
      let name = this.flow.start;
      for (;;) {
        this.checkAbort();
        if (this.path.length >= this.flow.maxSteps) {
          throw errorFor('agent_failed', { reason: 'flow_step_limit', limit: this.flow.maxSteps, step: name });
        }
        this.path.push(name);
        const next = await this.exec(this.flow.steps[name] as FlowStep);
        if (typeof next !== 'string') return next;
        name = next;
      }
    } catch (err) {
      if (err === ABORTED) return this.hangupOutcome();
      throw err;
    } finally {
      this.input.close();
      this.signal.removeEventListener('abort', this.onAbort);
    }
  }

  /** Runs one step: the name of the next step, or the outcome when the flow ends. */
  private async exec(step: FlowStep): Promise<string | Outcome> {
    switch (step.kind) {
      case 'say':
        await this.prompt({ say: step.text }, step.bargeIn);
        return step.next;
      case 'play':
        await this.prompt({ play: step.file }, step.bargeIn);
        return step.next;
      case 'collect':
        return this.collect(step.collect, step.next);
      case 'branch':
        return this.branch(step);
      case 'set':
        for (const [k, v] of Object.entries(step.values)) this.vars[k] = typeof v === 'string' ? this.text(v) : v;
        return step.next;
      case 'handoff':
        return this.handoffOutcome(step);
      case 'end':
        return { contained: true, data: this.data(step.data) };
    }
  }

  /** Plays a prompt to its end, its barge-in, or the call's end. */
  private async prompt(p: Prompt, bargeIn: boolean): Promise<void> {
    if (bargeIn && this.input.buffered > 0) return;
    if (bargeIn) this.input.armBargeIn(() => this.media.stop());
    try {
      const playing = 'say' in p ? this.media.say(this.text(p.say)) : this.media.playFile(this.text(p.play));
      await this.untilAbort(playing);
    } catch (err) {
      // A prompt that cannot play (no TTS, bad file) must not end the call: log and go on.
      this.rt.logger.warn({ err, step: this.path.at(-1) }, 'flow prompt failed; continuing');
    } finally {
      this.wake = undefined;
      this.input.disarmBargeIn();
    }
    this.checkAbort();
  }

  /**
   * Settles as `playing` does, or with ABORTED as soon as the signal aborts (a prompt still
   * playing then is cut by the call's end). Holds nothing once it settled.
   */
  private untilAbort(playing: Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // Always handled: a prompt failing after the call ended is no unhandled rejection.
      playing.then(resolve, reject);
      if (this.signal.aborted) resolve(ABORTED);
      else this.wake = resolve;
    });
  }

  /** Gathers digits with retries; the name of the next step. */
  private async collect(spec: CollectSpec, next: string): Promise<string> {
    let verdict: Verdict = 'no_input';
    for (let attempt = 0; attempt <= spec.retries; attempt++) {
      const p = attempt === 0 ? spec.prompt : (spec.reprompt ?? spec.prompt);
      if (p) await this.prompt(p, true);
      const entry = await this.gather(spec);
      this.checkAbort();
      verdict = judgeEntry(entry, spec);
      this.rt.logger.debug({ step: this.path.at(-1), attempt, verdict }, 'flow collect attempt');
      if (verdict === 'ok') return this.remember(spec.into, entry.digits, next);
    }
    const target = verdict === 'no_input' ? spec.onNoInput : spec.onInvalid;
    return this.remember(spec.into, '', target ?? next);
  }

  private remember(into: string, digits: string, next: string): string {
    this.vars[into] = digits;
    this.digits[into] = digits;
    this.lastInput = digits;
    return next;
  }

  /** One attempt: digits until the maximum, the terminator, a gap, or the overall timeout. */
  private async gather(spec: CollectSpec): Promise<Entry> {
    const { timers } = this.rt;
    const deadline = timers.now() + spec.timeoutMs;
    let digits = '';
    for (;;) {
      const left = deadline - timers.now();
      const wait = digits === '' ? left : Math.min(left, spec.interDigitTimeoutMs);
      const d = await this.input.next(wait);
      if (d === null) return { digits, terminated: false };
      if (d === spec.terminator) return { digits, terminated: true };
      digits += d;
      if (digits.length >= spec.maxDigits) return { digits, terminated: false };
    }
  }

  private branch(step: BranchStep): string {
    const value = step.value === undefined ? this.lastInput : this.text(step.value);
    return Object.hasOwn(step.on, value) ? (step.on[value] as string) : step.default;
  }

  private handoffOutcome(step: HandoffStep): Outcome {
    const destination = step.destination === undefined ? '' : this.text(step.destination);
    const extra = step.reason === undefined ? {} : { handoff_reason: this.text(step.reason) };
    const out: Outcome = { contained: false, data: this.data({ ...step.data, ...extra }) };
    // An empty destination leaves the choice to the call: the agent's default destination.
    if (destination !== '') out.destination = destination;
    return out;
  }

  private hangupOutcome(): Outcome {
    const { contained, destination, data } = this.flow.onHangup;
    const out: Outcome = { contained, data: this.data({ ...data, ended_early: true }) };
    if (destination !== undefined) out.destination = destination;
    return out;
  }

  /** Outcome data: variables, then the step's data (interpolated), then path and digits. */
  private data(stepData: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const own = interpolateDeep(stepData, this.scope) as Record<string, unknown>;
    return { ...this.vars, ...own, path: [...this.path], digits: { ...this.digits } };
  }

  private text(template: string): string {
    return interpolate(template, this.scope);
  }

  private checkAbort(): void {
    if (this.signal.aborted) throw ABORTED;
  }
}
