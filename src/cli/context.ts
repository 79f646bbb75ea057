/**
 * What every admin command shares: the `--config` and `--json` options, opening the
 * same store as the server (`openStore(loadConfig(...))`) around one AdminService call,
 * and argument parsers that fail with commander's usage errors.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parse as parseYamlText } from 'yaml';
import { AdminService } from '../admin/index.ts';
// One validator for the CLI and the admin API: a bad flow or WebSocket config is refused by both.
import { openStore, validateAgentConfig } from '../app.ts';
import { loadConfig } from '../config/index.ts';

/** Options every admin command takes. */
export interface CommonOptions {
  /** Path of `agentline.yaml`; default env `AGENTLINE_CONFIG`, else built-in defaults. */
  config?: string;
  /** Print JSON instead of tables. */
  json?: boolean;
}

/** Adds `-c, --config <path>` and (unless `json` is false) `--json` to a command. */
export function withCommonOptions(cmd: Command, json = true): Command {
  cmd.option('-c, --config <path>', 'agentline.yaml to use, the same as the server\'s (also AGENTLINE_CONFIG)');
  if (json) cmd.option('--json', 'print JSON (for scripts)');
  return cmd;
}

/**
 * Loads the config, opens its store, runs `fn` with an AdminService, closes the store.
 * @throws ConfigError, StoreError `store_unavailable`, AdminError (from `fn`)
 */
export async function withAdmin<T>(opts: CommonOptions, fn: (admin: AdminService) => Promise<T>): Promise<T> {
  const config = loadConfig(opts.config === undefined ? {} : { path: opts.config });
  const store = openStore(config);
  try {
    return await fn(new AdminService({ store, validateAgentConfig }));
  } finally {
    await store.close();
  }
}

/** Commander parser for a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** Commander parser for a comma-separated list (`a,b` → `['a', 'b']`, blanks dropped). */
export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Commander parser for a JSON object given inline. */
export function jsonObjectArg(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** Commander parser for a JSON or YAML file holding an object. */
export function objectFileArg(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYamlText(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${path} (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError(`${path} must hold a mapping`);
  return parsed as Record<string, unknown>;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Commander parser for a point in time: a duration ago (`90s`, `15m`, `2h`, `7d`) becomes
 * epoch ms; anything else (epoch ms, ISO 8601) is passed on for the service to validate.
 */
export function timeArg(value: string, now: () => number = Date.now): string | number {
  const m = /^(\d{1,9})([smhd])$/.exec(value);
  if (!m) return value;
  return now() - Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
}
