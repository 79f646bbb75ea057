/**
 * The zod schema of a flow as written in YAML (validated at the boundary, STYLE.md
 * principle 8). Shape checks live here; cross-step checks (step references, templates)
 * in `load.ts`, which also turns the raw shape into the runner's {@link Flow}.
 */
import { z } from 'zod';
import { VARIABLE_RE } from './template.ts';

/** DTMF digits a flow may name. */
const DIGIT_RE = /^[0-9*#A-D]$/;

/** The actions of a step: exactly one per step. */
export const STEP_ACTIONS = ['say', 'play', 'collect', 'branch', 'set', 'handoff', 'end'] as const;

/** Actions after which the flow goes on to `next`. */
const NEEDS_NEXT: ReadonlySet<string> = new Set(['say', 'play', 'collect', 'set']);

const stepName = z.string().min(1, 'a step name must not be empty');
const variable = z.string().regex(VARIABLE_RE, 'a variable name is letters, digits and _ (not first)');
const ms = z.number().int().min(0).max(600_000);
/** YAML reads `1` as a number: digit strings may be written either way. */
const digitString = z.union([z.string(), z.number().int().min(0)]).transform(String)
  .pipe(z.string().regex(/^[0-9*#A-D]*$/, 'digits are 0-9, *, #, A-D'));

const prompt = z.union([
  z.strictObject({ say: z.string().min(1) }),
  z.strictObject({ play: z.string().min(1) }),
], { error: 'a prompt is { say: text } or { play: file }' });

const collect = z.strictObject({
  prompt: prompt.optional(),
  reprompt: prompt.optional(),
  into: variable,
  minDigits: z.number().int().min(0).max(64).default(1),
  maxDigits: z.number().int().min(1).max(64).default(1),
  terminator: z.union([z.string().regex(DIGIT_RE, 'the terminator is one DTMF digit (quote "#" in YAML)'), z.null()]).default('#'),
  timeoutMs: ms.default(5000),
  interDigitTimeoutMs: ms.default(3000),
  retries: z.number().int().min(0).max(10).default(1),
  valid: z.array(digitString).min(1).optional(),
  onNoInput: stepName.optional(),
  onInvalid: stepName.optional(),
}).refine((c) => c.minDigits <= c.maxDigits, { message: 'minDigits must not exceed maxDigits', path: ['minDigits'] });

const branch = z.strictObject({
  value: z.string().optional(),
  on: z.record(z.string(), stepName),
  default: stepName,
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const data = z.record(z.string(), z.unknown());

const handoff = z.strictObject({
  destination: z.string().min(1).optional(),
  reason: z.string().optional(),
  data: data.default({}),
});

const end = z.union([z.literal(true), z.null(), z.strictObject({ data: data.default({}) })], { error: 'end is empty, true, or { data: {...} }' })
  .transform((e) => ({ data: e === true || e === null ? {} : e.data }));

/** One step as written: one action key, `next` when the action goes on. */
const step = z.strictObject({
  say: z.string().min(1).optional(),
  play: z.string().min(1).optional(),
  collect: collect.optional(),
  branch: branch.optional(),
  set: z.record(variable, scalar).optional(),
  handoff: handoff.optional(),
  end: end.optional(),
  next: stepName.optional(),
  bargeIn: z.boolean().optional(),
}).superRefine((s, ctx) => {
  const actions = STEP_ACTIONS.filter((a) => s[a] !== undefined);
  if (actions.length !== 1) {
    const found = actions.length === 0 ? 'none' : actions.join(' and ');
    ctx.addIssue({ code: 'custom', message: `a step has exactly one of ${STEP_ACTIONS.join(', ')} (found ${found})` });
    return;
  }
  const action = actions[0] as string;
  if (NEEDS_NEXT.has(action) && s.next === undefined) {
    ctx.addIssue({ code: 'custom', path: ['next'], message: `a ${action} step needs "next"` });
  }
  if (!NEEDS_NEXT.has(action) && s.next !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['next'], message: `a ${action} step ends or branches: "next" is not allowed` });
  }
  if (s.bargeIn !== undefined && action !== 'say' && action !== 'play') {
    ctx.addIssue({ code: 'custom', path: ['bargeIn'], message: 'only say and play steps take "bargeIn"' });
  }
});

/** A flow as written. */
export const flowSchema = z.strictObject({
  start: stepName.optional(),
  steps: z.record(stepName, step).refine((s) => Object.keys(s).length > 0, 'a flow needs at least one step'),
  onHangup: z.strictObject({
    contained: z.boolean(),
    destination: z.string().min(1).optional(),
    data: data.optional(),
  }).default({ contained: true }),
  maxSteps: z.number().int().min(1).max(10_000).default(200),
});

/** A flow as written, after defaults. */
export type RawFlow = z.output<typeof flowSchema>;
/** One step as written, after defaults. */
export type RawStep = RawFlow['steps'][string];
