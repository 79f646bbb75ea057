/**
 * Runs the real `agentline` CLI as a child process (`node <flags> --import tsx src/cli/main.ts`)
 * for the end-to-end tests, and starts `serve` children that report their SIP port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { GATEWAY_NODE_FLAGS } from '../../src/lib/node-flags.ts';
import { rtpPortRange } from '../support/gateway-config.ts';

/** The repository root (where `src/cli/main.ts` is). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Guard timeout of a CLI run or a server start, ms. */
export const CLI_WAIT_MS = 20_000;

/** The outcome of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for children: no inherited config path, no debug stacks. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['AGENTLINE_CONFIG'];
  delete env['AGENTLINE_DEBUG'];
  return env;
}

/**
 * Spawns `node <gateway flags> --import tsx src/cli/main.ts ...args` in the repository root:
 * with the flags `npm start` passes (GATEWAY_NODE_FLAGS), so that a served gateway runs as users
 * run it (its media clock steering scavenges, for one).
 */
export function spawnCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to completion and collects its output. */
export function runCli(args: readonly string[]): Promise<CliResult> {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agentline ${args.join(' ')} did not finish: ${stderr}`));
    }, CLI_WAIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI with `--json`, expects exit 0, and parses stdout. */
export async function runJson<T = unknown>(args: readonly string[]): Promise<T> {
  const res = await runCli([...args, '--json']);
  if (res.code !== 0) throw new Error(`agentline ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

/** Writes `config` as YAML to `dir/name` and returns the path. */
export function writeConfig(dir: string, config: Record<string, unknown>, name = 'agentline.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(config));
  return path;
}

/** An RTP port range of 100 ports unlikely to collide with parallel test files. */
export function rtpRange(): { portMin: number; portMax: number } {
  return rtpPortRange(100);
}

/** A `serve` child and the SIP port its banner named. */
export interface ServerChild {
  child: ChildProcess;
  sipPort: number;
  /** Everything the child printed on stdout so far. */
  output(): string;
  /** Resolves when stdout has a line matching `re`. */
  waitFor(re: RegExp): Promise<string>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Starts `agentline serve --config <path>` and waits for `SIP on host:port` in its banner. */
export async function startServer(configPath: string): Promise<ServerChild> {
  const child = spawnCli(['serve', '--config', configPath]);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const w of [...waiters]) w();
    });
  });
  const waitFor = (re: RegExp): Promise<string> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${re} in: ${out}${err}`)), CLI_WAIT_MS);
    const check = (): void => {
      const m = re.exec(out);
      if (m) done(undefined, m[0]);
      else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`server exited before ${re}: ${out}${err}`));
    };
    const done = (e?: Error, line?: string): void => {
      clearTimeout(timer);
      waiters.delete(check);
      if (e) reject(e);
      else resolve(line ?? '');
    };
    waiters.add(check);
    check();
  });
  const banner = await waitFor(/SIP on [^\s]+:(\d+)/);
  const port = Number(/:(\d+)$/.exec(banner)?.[1]);
  return { child, sipPort: port, output: () => out + err, waitFor, exited };
}
