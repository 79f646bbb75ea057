/**
 * The flow agent (kind `flow`): runs a declarative flow of steps (see `load.ts` for the
 * config and `run.ts` for the semantics) over the call's media.
 */
import type { Agent, AgentContext, AgentMedia, Outcome } from '../types.ts';
import { cachedFlowFromConfig } from './cache.ts';
import { FlowRun } from './run.ts';
import { agentRuntime, type AgentRuntime, type AgentRuntimeOptions } from './runtime.ts';
import type { Flow } from './types.ts';
import type { CallSignal } from '../signal.ts';

/** See the module comment. */
export class FlowAgent implements Agent {
  /** The validated flow. */
  readonly flow: Flow;
  private readonly rt: AgentRuntime;

  /**
   * Validates the flow at once, so that a bad flow fails at load, not mid-call (once per
   * config object and version of its file: see `cache.ts`).
   * @param config `{ flow: object | yaml }` or `{ flowFile: path }`
   * @throws FlowConfigError (`agent_config_invalid`) naming the step at fault
   */
  constructor(config: Readonly<Record<string, unknown>>, options: AgentRuntimeOptions = {}) {
    this.flow = cachedFlowFromConfig(config);
    this.rt = agentRuntime(options);
  }

  /**
   * Runs the flow. Resolves with the `handoff`/`end` outcome, or with the flow's
   * `onHangup` outcome (plus what it has) as soon as the signal aborts.
   * @throws AgentlineError `agent_failed` when the flow exceeds `maxSteps`
   */
  run(ctx: AgentContext, media: AgentMedia, signal: CallSignal): Promise<Outcome> {
    return new FlowRun(this.flow, ctx, media, signal, this.rt).run();
  }
}
