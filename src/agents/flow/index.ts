/**
 * The flow agent (kind `flow`): a declarative YAML flow of steps. Config: `{ flow: {...} }`,
 * `{ flow: "<yaml text>" }` or `{ flowFile: path }`; validated when the agent is made, with
 * errors naming the place (`steps.menu.branch.on["1"]: unknown step "billng"`).
 *
 * ```yaml
 * start: greet                 # default: the first step written
 * maxSteps: 200                # loop guard; beyond it the agent fails (call fallback)
 * onHangup: { contained: true } # outcome when the caller hangs up (data gets ended_early)
 * steps:
 *   greet:  { say: "Welcome to Agentline.", next: tag }         # bargeIn: true by default
 *   tag:    { set: { session: "${x.X-five9sessionid}", from: "${call.caller}" }, next: menu }
 *   menu:
 *     collect:
 *       prompt:   { say: "Press 1 for billing, 2 for support." }  # or { play: file.wav }
 *       reprompt: { say: "Sorry. Press 1 or 2." }                 # default: the prompt
 *       into: choice            # variable for the digits
 *       minDigits: 1            # default 1
 *       maxDigits: 1            # default 1; reaching it ends the entry
 *       terminator: "#"         # default "#" (quote it in YAML); null for none
 *       timeoutMs: 5000         # whole entry, after the prompt; default 5000
 *       interDigitTimeoutMs: 3000  # default 3000
 *       retries: 1              # attempts after the first; default 1
 *       valid: ["1", "2"]       # optional; other entries are invalid
 *       onNoInput: nobody       # after the last silent attempt; default: next
 *       onInvalid: nobody       # after the last invalid attempt; default: next
 *     next: route
 *   route:  { branch: { on: { "1": billing, "2": support }, default: nobody } }  # value: "${var}" to test data
 *   billing: { handoff: { destination: billing, reason: "billing question", data: { sid: "${session}" } } }
 *   support: { handoff: { destination: support } }
 *   nobody:  { handoff: { reason: no_input } }   # no destination: the agent's default
 *   done:    { end: { data: { resolved: true } } }
 * ```
 *
 * Templates: `${x.<X-header>}` (any case), `${call.caller|callee|shared_id|conversation_id|
 * tenant|agent}`, `${<variable>}`. Outcome data: the variables, the step's data (and
 * `handoff_reason`), `path` (steps visited) and `digits` (collect variable → digits).
 */
export { FlowAgent } from './agent.ts';
export { DEMO_FLOW, DEMO_FLOW_CONFIG } from './demo.ts';
export { FlowConfigError, flowFromConfig, formatPath, loadFlowFile, parseFlow, type ParseFlowOptions } from './load.ts';
export { STEP_ACTIONS } from './schema.ts';
export { CALL_FIELDS, interpolate } from './template.ts';
export { REAL_TIMERS, agentRuntime, type AgentRuntime, type AgentRuntimeOptions } from './runtime.ts';
export type * from './types.ts';
