/**
 * ConfigError and the formatting of validation problems as `key.path: reason`
 * lines (never a stack trace, never zod's internal wording).
 */
import type { z } from 'zod';
import { describeValue } from './schema.ts';

/** Raised by the loader for any unusable configuration: missing file, YAML syntax, schema. */
export class ConfigError extends Error {
  /** Stable code. */
  readonly code = 'config_invalid' as const;
  /** One line per problem, `key.path: reason`. */
  readonly problems: readonly string[];

  /**
   * @param source where the configuration came from (file path or `defaults`)
   * @param problems one `key.path: reason` line each
   */
  constructor(source: string, problems: readonly string[]) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `['trunks', 0, 'sources', 1]` → `trunks[0].sources[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/** The closest known key within 2 edits, if any. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const k of known) {
    if (k === key) continue; // allowed elsewhere (another store kind), not a typo
    const d = editDistance(key, k);
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  return best;
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
const TYPE_NAMES: Record<string, string> = { object: 'mapping', array: 'list' };

/**
 * Formats one zod issue as `path: reason` lines. `knownKeys(path)` lists the
 * keys allowed at an object path, for "did you mean" hints.
 */
export function formatIssue(issue: z.core.$ZodIssue, knownKeys: (path: readonly PropertyKey[]) => string[]): string[] {
  const input = (issue as { input?: unknown }).input;
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const hint = suggestKey(k, knownKeys(issue.path));
        return `${formatPath([...issue.path, k])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`;
      });
    case 'invalid_type':
      if (!issue.message.startsWith('Invalid input')) return [`${at}: ${issue.message}`];
      if (input === undefined) return [`${at}: required`];
      return [`${at}: expected ${article(TYPE_NAMES[issue.expected] ?? issue.expected)}, got ${describeValue(input)}`];
    case 'invalid_value':
      return [`${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(input)}`];
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options) {
        const got = input !== null && typeof input === 'object' ? (input as Record<string, unknown>).kind : input;
        return [`${at}: expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(got)}`];
      }
      return [`${at}: ${issue.message}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}
