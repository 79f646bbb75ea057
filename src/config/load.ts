/**
 * Loading `agentline.yaml`: read the file, parse YAML, apply environment
 * overrides, validate. Every failure is a {@link ConfigError} whose message
 * lists `key.path: reason` lines; a YAML error names line and column; a
 * missing file names its path.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { CONFIG_PATH_ENV, applyEnv } from './env.ts';
import { ConfigError, formatIssue, formatPath } from './errors.ts';
import { configSchema } from './schema.ts';
import type { Config } from './schema.ts';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Config file; default env `AGENTLINE_CONFIG`; with neither, defaults only and the demo enabled. */
  path?: string;
  /** Environment to read overrides from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Loads and validates the configuration.
 * @throws ConfigError (code `config_invalid`)
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const path = options.path ?? (env[CONFIG_PATH_ENV] || undefined);
  const source = path ?? 'defaults';
  // No file: a first run, on loopback, with the demo agent to call.
  const raw = path === undefined ? { demo: { enabled: true } } : readYamlFile(path);
  let origin: Map<string, string>;
  try {
    origin = applyEnv(raw, env);
  } catch (err) {
    throw new ConfigError(source, [`environment: ${(err as Error).message}`]);
  }
  return validate(raw, source, origin);
}

/**
 * Validates an already-parsed configuration object (tests, programmatic use).
 * @param source named in the error message
 * @throws ConfigError
 */
export function parseConfig(raw: unknown, source = 'config'): Config {
  return validate(raw, source, new Map());
}

function validate(raw: unknown, source: string, origin: Map<string, string>): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => formatIssue(issue, knownKeysAt).map((line) => {
    const from = envOrigin(issue.path, origin);
    return from ? `${line} (from ${from})` : line;
  }));
  throw new ConfigError(source, problems);
}

/** The environment variable that set `path` (or a parent of it), if any. */
function envOrigin(path: readonly PropertyKey[], origin: Map<string, string>): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const hit = origin.get(formatPath(path.slice(0, n)));
    if (hit) return hit;
  }
  return undefined;
}

/** Reads and parses a YAML file into a mapping (empty file = `{}`). @throws ConfigError */
export function readYamlFile(path: string): Tree {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})`;
    throw new ConfigError(abs, [`${abs}: ${reason}`]);
  }
  return parseYaml(text, abs);
}

/** Parses YAML text into a mapping (empty = `{}`). @throws ConfigError naming line and column */
export function parseYaml(text: string, source: string): Tree {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const { line, col } = linePos(text, e.pos[0]);
      return `line ${line}, column ${col}: YAML syntax error: ${e.message.split('\n')[0]}`;
    }));
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isTree(value)) throw new ConfigError(source, [`(top level): expected a mapping of sections, got ${Array.isArray(value) ? 'a list' : typeof value}`]);
  return value;
}

/** 1-based line and column of a character offset. */
function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}

/** Keys a strict object accepts at `path` of the schema, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = configSchema;
  for (const seg of path) {
    node = node && child(unwrap(node), seg);
  }
  return node ? keysOf(unwrap(node)) : [];
}

interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  out?: z.core.$ZodType;
  element?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  options?: z.core.$ZodType[];
}

const defOf = (s: z.core.$ZodType): Def => s._zod.def as unknown as Def;

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  for (let d = defOf(cur); ; d = defOf(cur)) {
    const next = d.innerType ?? (d.type === 'pipe' ? d.out : undefined);
    if (!next) return cur;
    cur = next;
  }
}

function child(s: z.core.$ZodType, seg: PropertyKey): z.core.$ZodType | undefined {
  const d = defOf(s);
  if (typeof seg === 'number') return d.element;
  if (d.shape) return d.shape[String(seg)];
  for (const o of d.options ?? []) {
    const hit = defOf(unwrap(o)).shape?.[String(seg)];
    if (hit) return hit;
  }
  return undefined;
}

function keysOf(s: z.core.$ZodType): string[] {
  const d = defOf(s);
  if (d.shape) return Object.keys(d.shape);
  return (d.options ?? []).flatMap((o) => keysOf(unwrap(o)));
}
