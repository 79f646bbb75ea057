/**
 * Two builds of the gateway compared on the cps bench: alternating single steps at one rate (A, B,
 * A, B, ...), each a fresh `bench/cps.ts` run from its own checkout, and the gateway's CPU µs a call
 * of each step, their means and the pairs' differences (B - A): their mean, their median (one outlier
 * pair moves the mean by tens of µs, not the median) and in how many pairs B was lower and higher. On
 * a shared VM a build's clean rate moves by hundreds of cps from one ramp to the next and a single
 * step's µs a call by ±10 %: a change of a few % only shows over several pairs, and only when the
 * two builds alternate (the machine drifts over minutes). A step with failed calls, or with "core 0 used by others"
 * above `--max-others`, is listed but left out of the means, with its pair.
 *
 * `--a` and `--b` are checkouts (e.g. `git worktree add /tmp/base <commit>`, with `node_modules`
 * linked and the addon built there). A checkout whose cps.ts knows `--steps-only` runs the step
 * alone (about 25 s); an older one also runs its half-rate step (about twice that). Bounded:
 * `--pairs` × 2 runs. `--a-env` and `--b-env` (`NAME=value,...`) add to one side's environment:
 * two settings of one build compare with `--a . --a-env AGENTLINE_RTP_PACER=0`. `--a-args` and
 * `--b-args` add arguments to one side's cps.ts (split at spaces): two sets of node flags compare
 * with `--a . --b-args=--node-flags=--max-semi-space-size=64`.
 *
 *   node --import tsx bench/cps-ab.ts --a /tmp/base [--b .] [--a-env K=V,...] [--b-env K=V,...] [--a-args ARGS] [--b-args ARGS] [--pairs 8] [--rate 1600] [--step-sec 10] [--max-others 5]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchArgs } from './args.ts';
import { parseStepRow, summarizePairs, type AbStep } from './cps-ab-report.ts';

const opts = benchArgs({
  a: { type: 'string' },
  b: { type: 'string', default: '.' },
  pairs: { type: 'string', default: '8' },
  rate: { type: 'string', default: '1600' },
  'step-sec': { type: 'string', default: '10' },
  'max-others': { type: 'string', default: '5' },
  'a-env': { type: 'string', default: '' },
  'b-env': { type: 'string', default: '' },
  'a-args': { type: 'string', default: '' },
  'b-args': { type: 'string', default: '' },
}, import.meta.url);

/** The environment of one side: this process's, plus `NAME=value,...`. */
function sideEnv(extra: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const pair of extra.split(',').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--a-env/--b-env: expected NAME=value, got ${pair}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Runs one cps.ts step in `dir`; its stdout. */
function runStep(dir: string, rate: number, stepSec: number, env: NodeJS.ProcessEnv, extra: string): Promise<string> {
  const script = join(dir, 'bench/cps.ts');
  const stepsOnly = readFileSync(script, 'utf8').includes("'steps-only'") ? ['--steps-only'] : [];
  const args = ['--import', 'tsx', script, '--rates', String(rate), '--step-sec', String(stepSec), ...stepsOnly,
    ...extra.split(' ').filter((a) => a !== '')];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => { out += chunk; });
    child.on('error', fail);
    child.on('close', () => done(out));
  });
}

async function main(): Promise<void> {
  if (opts.a === undefined) {
    process.stderr.write('--a <checkout> is required (the build to compare against)\n');
    process.exit(2);
  }
  const dirs = { A: resolve(opts.a), B: resolve(opts.b) };
  const envs = { A: sideEnv(opts['a-env']), B: sideEnv(opts['b-env']) };
  const args = { A: opts['a-args'], B: opts['b-args'] };
  const rate = Number(opts.rate);
  const maxOthers = Number(opts['max-others']);
  const keep = (s: AbStep): boolean => s.failed === 0 && s.othersPct <= maxOthers;
  const pairs: [AbStep | undefined, AbStep | undefined][] = [];
  process.stdout.write(`A: ${dirs.A} ${opts['a-env']} ${args.A}\nB: ${dirs.B} ${opts['b-env']} ${args.B}\n\n| pair | A µs/call | B µs/call | B - A | A others % | B others % |\n|---|---|---|---|---|---|\n`);
  for (let i = 1; i <= Number(opts.pairs); i++) {
    const a = parseStepRow(await runStep(dirs.A, rate, Number(opts['step-sec']), envs.A, args.A), rate);
    const b = parseStepRow(await runStep(dirs.B, rate, Number(opts['step-sec']), envs.B, args.B), rate);
    pairs.push([a, b]);
    const cell = (s: AbStep | undefined): string => (s === undefined ? 'no row' : `${s.cpuUsPerCall}${keep(s) ? '' : ' (left out)'}`);
    const diff = a !== undefined && b !== undefined ? String(b.cpuUsPerCall - a.cpuUsPerCall) : '-';
    process.stdout.write(`| ${i} | ${cell(a)} | ${cell(b)} | ${diff} | ${a?.othersPct ?? '-'} | ${b?.othersPct ?? '-'} |\n`);
  }
  const sum = summarizePairs(pairs, keep);
  process.stdout.write(sum === undefined
    ? '\nNo pair kept.\n'
    : `\n${sum.kept} pairs kept at ${rate} cps: A ${sum.meanA.toFixed(0)}, B ${sum.meanB.toFixed(0)} µs a call on average;`
      + ` B - A ${sum.meanDiff.toFixed(0)} (${(100 * sum.meanDiff / sum.meanA).toFixed(1)} %), median ${sum.medianDiff.toFixed(0)},`
      + ` pairs from ${sum.minDiff} to ${sum.maxDiff}; B lower in ${sum.lower} of ${sum.kept}, higher in ${sum.higher}.\n`);
}

await main();
