/**
 * Loading a flow: the agent's config (`{ flow: {...} }`, `{ flow: "<yaml>" }` or
 * `{ flowFile: path }`) → YAML → zod shape check → cross-step checks → {@link Flow}.
 * Every problem names where it is, e.g. `steps.menu.branch.on["1"]: unknown step "billng"`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AgentConfigError } from '../errors.ts';
import { flowSchema, type RawFlow, type RawStep } from './schema.ts';
import { stringsIn, templateProblems } from './template.ts';
import type { Flow, FlowStep, Prompt } from './types.ts';

/** A flow failed validation; `issues` lists every problem, each prefixed with its path. */
export class FlowConfigError extends AgentConfigError {
  constructor(readonly issues: readonly string[], source?: string) {
    super(`invalid flow${source === undefined ? '' : ` [file:${source}]`}: ${issues.join('; ')}`);
  }
}

type Path = readonly PropertyKey[];

/** Renders a path as `steps.menu.branch.on["1"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_]\w*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(flow)' : out;
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Cross-step checks: every named step exists, every template is valid. */
function crossCheck(flow: RawFlow): string[] {
  const out: string[] = [];
  const ref = (name: string | undefined, path: Path): void => {
    if (name !== undefined && !Object.hasOwn(flow.steps, name)) out.push(`${formatPath(path)}: unknown step "${name}"`);
  };
  const tpl = (value: unknown, path: Path): void => {
    for (const [text, sub] of stringsIn(value)) {
      for (const p of templateProblems(text)) out.push(`${formatPath([...path, ...sub])}: ${p}`);
    }
  };
  ref(flow.start, ['start']);
  tpl(flow.onHangup.data, ['onHangup', 'data']);
  for (const [name, s] of Object.entries(flow.steps)) {
    const at = ['steps', name];
    ref(s.next, [...at, 'next']);
    tpl({ say: s.say, play: s.play, set: s.set, end: s.end }, at);
    if (s.collect) {
      ref(s.collect.onNoInput, [...at, 'collect', 'onNoInput']);
      ref(s.collect.onInvalid, [...at, 'collect', 'onInvalid']);
      tpl({ prompt: s.collect.prompt, reprompt: s.collect.reprompt }, [...at, 'collect']);
    }
    if (s.branch) {
      for (const [value, target] of Object.entries(s.branch.on)) ref(target, [...at, 'branch', 'on', value]);
      ref(s.branch.default, [...at, 'branch', 'default']);
      tpl(s.branch.value, [...at, 'branch', 'value']);
    }
    if (s.handoff) tpl(s.handoff, [...at, 'handoff']);
  }
  return out;
}

function filePath(file: string, baseDir: string | undefined): string {
  return baseDir === undefined || isAbsolute(file) ? file : resolve(baseDir, file);
}

function toPrompt(p: Prompt | undefined, baseDir: string | undefined): Prompt | undefined {
  if (p === undefined || 'say' in p) return p;
  return { play: filePath(p.play, baseDir) };
}

/** One raw step (already checked) → the runner's step. */
function toStep(s: RawStep, baseDir: string | undefined): FlowStep {
  const next = s.next ?? '';
  if (s.say !== undefined) return { kind: 'say', text: s.say, next, bargeIn: s.bargeIn ?? true };
  if (s.play !== undefined) return { kind: 'play', file: filePath(s.play, baseDir), next, bargeIn: s.bargeIn ?? true };
  if (s.collect) {
    const { prompt, reprompt, valid, onNoInput, onInvalid, ...rest } = s.collect;
    const collect = {
      ...rest,
      ...(prompt === undefined ? {} : { prompt: toPrompt(prompt, baseDir) as Prompt }),
      ...(reprompt === undefined ? {} : { reprompt: toPrompt(reprompt, baseDir) as Prompt }),
      ...(valid === undefined ? {} : { valid }),
      ...(onNoInput === undefined ? {} : { onNoInput }),
      ...(onInvalid === undefined ? {} : { onInvalid }),
    };
    return { kind: 'collect', collect, next };
  }
  if (s.branch) {
    const { value, on } = s.branch;
    return { kind: 'branch', on, default: s.branch.default, ...(value === undefined ? {} : { value }) };
  }
  if (s.set) return { kind: 'set', values: s.set, next };
  if (s.handoff) {
    const { destination, reason, data } = s.handoff;
    return { kind: 'handoff', data, ...(destination === undefined ? {} : { destination }), ...(reason === undefined ? {} : { reason }) };
  }
  return { kind: 'end', data: s.end?.data ?? {} };
}

/** Options of {@link parseFlow}. */
export interface ParseFlowOptions {
  /** Directory that relative `play` paths are resolved against (default: left as written). */
  baseDir?: string;
  /** Where the flow came from, for error messages. */
  source?: string;
}

/**
 * Validates a flow (the parsed YAML object) and applies defaults.
 * @throws FlowConfigError (`agent_config_invalid`) listing every problem with its path
 */
export function parseFlow(raw: unknown, options: ParseFlowOptions = {}): Flow {
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) throw new FlowConfigError(zodIssues(parsed.error), options.source);
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) throw new FlowConfigError(problems, options.source);
  const raw2 = parsed.data;
  const steps: Record<string, FlowStep> = {};
  for (const [name, s] of Object.entries(raw2.steps)) steps[name] = toStep(s, options.baseDir);
  const { contained, destination, data } = raw2.onHangup;
  return {
    // The first step written; YAML keeps the order (integer-like names would sort first: name `start`).
    start: raw2.start ?? (Object.keys(steps)[0] as string),
    steps,
    onHangup: { contained, ...(destination === undefined ? {} : { destination }), ...(data === undefined ? {} : { data }) },
    maxSteps: raw2.maxSteps,
  };
}

function yamlOf(text: string, source: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new FlowConfigError([`not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`], source);
  }
}

/**
 * Reads and validates a flow file (YAML); relative `play` paths resolve against its folder.
 * @throws FlowConfigError when unreadable, not YAML, or invalid
 */
export function loadFlowFile(path: string): Flow {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FlowConfigError([`cannot read the flow file (${(err as NodeJS.ErrnoException).code ?? 'error'})`], path);
  }
  return parseFlow(yamlOf(text, path), { baseDir: dirname(resolve(path)), source: path });
}

/**
 * The flow of a flow agent's config: `flow` (an object, or YAML text) or `flowFile`.
 * @throws FlowConfigError for a missing, ambiguous or invalid flow
 */
export function flowFromConfig(config: Readonly<Record<string, unknown>>): Flow {
  const { flow, flowFile } = config;
  if ((flow === undefined) === (flowFile === undefined)) {
    throw new FlowConfigError(['config: give exactly one of "flow" (object or YAML text) and "flowFile" (path)']);
  }
  if (flowFile !== undefined) {
    if (typeof flowFile !== 'string' || flowFile === '') throw new FlowConfigError(['flowFile: must be a non-empty path']);
    return loadFlowFile(flowFile);
  }
  return parseFlow(typeof flow === 'string' ? yamlOf(flow, 'config.flow') : flow);
}
