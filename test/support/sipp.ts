/**
 * Runs SIPp (Debian's sip-tester) against a target on loopback and reports its outcome:
 * exit code (0 = every call succeeded), successful and failed call counts from its
 * statistics, and its error log for the test's failure message.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of one SIPp run. */
export interface SippRun {
  /** `host:port` of the system under test. */
  target: string;
  /** Scenario file, or a built-in name with `builtin:` (e.g. `builtin:uac`). */
  scenario: string;
  transport?: 'u1' | 't1' | 'un' | 'tn';
  calls?: number;
  rate?: number;
  /** Request-URI user (`-s`). Default `service`. */
  service?: string;
  extra?: string[];
  /** Hard limit for the run, seconds. Default 30. */
  timeoutSec?: number;
}

/** What a run produced. */
export interface SippResult {
  code: number | null;
  successful: number;
  failed: number;
  errors: string;
  stdout: string;
}

/** A free UDP port on 127.0.0.1 for SIPp's local socket. */
export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', () => ok()));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/**
 * Runs SIPp to completion. The local port is free for UDP when chosen but may be taken
 * for TCP, or by then: SIPp then exits at once without a call ("Unable to bind main
 * socket"), and the run is tried again on another port.
 */
export async function runSipp(run: SippRun): Promise<SippResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await runSippOnce(run, await freePort());
    if (attempt >= 3 || !/Unable to bind main socket/.test(result.stdout)) return result;
  }
}

async function runSippOnce(run: SippRun, port: number): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const scenario = run.scenario.startsWith('builtin:') ? ['-sn', run.scenario.slice(8)] : ['-sf', run.scenario];
  const args = [
    run.target, ...scenario, '-t', run.transport ?? 'u1', '-i', '127.0.0.1', '-p', String(port),
    '-m', String(run.calls ?? 1), '-r', String(run.rate ?? 10), '-s', run.service ?? 'service',
    '-nostdin', '-timeout', `${run.timeoutSec ?? 30}s`, '-timeout_error', '-trace_err', '-trace_stat', '-stf', join(dir, 'stat.csv'),
    '-fd', '1', ...(run.extra ?? []),
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stdout += d.toString(); });
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  const result: SippResult = { code, successful: 0, failed: 0, errors: readErrors(dir), stdout: stdout.slice(-4000) };
  const stats = readStat(join(dir, 'stat.csv'));
  result.successful = stats.successful;
  result.failed = stats.failed;
  rmSync(dir, { recursive: true, force: true });
  return result;
}

function readErrors(dir: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith('_errors.log'));
  return file ? readFileSync(join(dir, file), 'utf8').slice(-4000) : '';
}

/** Last line of SIPp's statistics file: cumulative SuccessfulCall(C) and FailedCall(C). */
function readStat(file: string): { successful: number; failed: number } {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const head = (lines[0] ?? '').split(';');
    const last = (lines[lines.length - 1] ?? '').split(';');
    const col = (name: string) => Number(last[head.indexOf(name)] ?? 0);
    return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
  } catch {
    return { successful: 0, failed: 0 };
  }
}

/** True when the `sipp` binary is on the PATH. */
export function haveSipp(): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try {
      return readdirSync(d).includes('sipp');
    } catch {
      return false;
    }
  });
}
