/**
 * How the CLI reports a failure: one `error: …` message on stderr (or a JSON error
 * object with `--json`), no stack trace, and a non-zero exit code. A configuration
 * error prints each problem line (`limits.maxCals: unknown key (did you mean …)`).
 * Set `AGENTLINE_DEBUG=1` to see the stack of an unexpected error.
 */
import { isAdminError } from '../admin/index.ts';
import { ConfigError } from '../config/index.ts';

/** Exit code of every failed command (commander's usage errors use 1 too). */
export const EXIT_FAILURE = 1;

/** The stable code of anything thrown: its own `code` when it has a string one, else `internal`. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

/** The message lines for a person. */
export function errorLines(err: unknown): string[] {
  if (err instanceof ConfigError) return err.message.split('\n');
  if (isAdminError(err) && err.problems.length > 0) {
    return [err.message.slice(0, err.message.indexOf(':')) + ':', ...err.problems.map((p) => `  ${p}`)];
  }
  if (err instanceof Error) return [err.message];
  return [String(err)];
}

/**
 * Prints `err` on stderr and sets a failing exit code.
 * @param json print `{ "error": { "code", "message", "problems"? } }` instead of text
 */
export function reportError(err: unknown, json: boolean): void {
  const lines = errorLines(err);
  if (json) {
    const problems = err instanceof ConfigError ? err.problems : isAdminError(err) ? err.problems : [];
    const body = { code: errorCode(err), message: lines.join('\n'), ...(problems.length > 0 ? { problems } : {}) };
    console.error(JSON.stringify({ error: body }));
  } else {
    console.error(`error: ${lines.join('\n')}`);
  }
  if (process.env['AGENTLINE_DEBUG'] && err instanceof Error && err.stack) console.error(err.stack);
  process.exitCode = EXIT_FAILURE;
}
