/**
 * End to end, issue "The contact-center emulator": docs/quickstart.md run as written.
 * Terminal 1 is `npm start` (the command package.json gives it, run directly), with only
 * the ports, the RTP range and the database moved by the environment overrides of
 * `src/config/env.ts`; terminal 2 is the documented `npx agentline call …` line (run as
 * `node --import tsx src/cli/main.ts call …`, what `bin/agentline.mjs` loads) with the
 * ports and the key that terminal 1 printed. The outputs are parsed and checked: the
 * call ends not contained, destination billing, and the emulator's routing decision is
 * "transfer to billing" with the handoff data. Both outputs are compared, line by line,
 * with the page's samples (ids, numbers and times masked), so that the page stays exact.
 * The same run on a PATH without espeak-ng proves that the demo flow skips its prompts
 * and still routes the call.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, rtpRange } from './cli-run.ts';
import { within } from './uac.ts';

const WAIT_MS = 20_000;
const haveEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

/** The fenced code blocks of each `## ` section of a Markdown page. */
function codeBlocks(markdown: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  let block: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      if (block) out.set(section, [...(out.get(section) ?? []), block.join('\n')]);
      block = block ? undefined : [];
    } else if (block) block.push(line);
    else if (line.startsWith('## ')) section = line.slice(3).trim();
  }
  return out;
}

const page = codeBlocks(readFileSync(join(ROOT, 'docs/quickstart.md'), 'utf8'));
const [terminal1, serveSample] = page.get('Terminal 1: the gateway') ?? [];
const [callLine, callSample] = page.get('Terminal 2: a call from the "contact center"') ?? [];
const startScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'] ?? '';

/** A line with what changes from run to run masked: keys, call ids, times, numbers. */
function shape(line: string): string {
  return line
    .replace(/alk_[\w-]+/g, '<key>')
    .replace(/call-id:[^\]]+/g, 'call-id:<id>')
    .replace(/\d+(\.\d+)? (ms|s)\b/g, '<time>')
    .replace(/[\w-]*\d[\w-]*/g, '<n>');
}

/**
 * Asserts that every line of a sample appears, masked, in `actual` in the same order
 * (`skip` leaves out sample lines that are not output of the command, e.g. log lines).
 */
function assertMatchesSample(sample: string, actual: string, skip: (line: string) => boolean = () => false): void {
  const lines = actual.split('\n').map(shape);
  let at = 0;
  for (const line of sample.split('\n').filter((l) => l.trim() !== '' && !skip(l))) {
    const found = lines.indexOf(shape(line), at);
    assert.ok(found >= 0, `docs/quickstart.md shows a line the command did not print (in that order):\n  ${line}\nactual output:\n${actual}`);
    at = found + 1;
  }
}

/** Environment of a child: ours without any AGENTLINE_ setting, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AGENTLINE_')) env[k] = v;
  return { ...env, ...extra };
}

/** `npm start` (as package.json runs it) with the documented defaults moved out of the way. */
interface Terminal1 {
  child: ChildProcess;
  output: string;
  sipPort: number;
  httpPort: number;
  apiKey: string;
}

async function startTerminal1(dir: string, path?: string): Promise<Terminal1> {
  const [node, ...args] = startScript.split(' ');
  assert.equal(node, 'node');
  const { portMin, portMax } = rtpRange();
  const child = spawn(process.execPath, args, {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({
      AGENTLINE_SIP_PORT: '0', AGENTLINE_HTTP_PORT: '0', AGENTLINE_DB: join(dir, 'agentline.db'),
      AGENTLINE_RTP_PORT_MIN: String(portMin), AGENTLINE_RTP_PORT_MAX: String(portMax),
      ...(path === undefined ? {} : { PATH: path }),
    }),
  });
  const t: Terminal1 = { child, output: '', sipPort: 0, httpPort: 0, apiKey: '' };
  child.stderr?.on('data', (d: Buffer) => { t.output += d.toString(); });
  await within(new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`npm start exited ${String(code)}:\n${t.output}`)));
    child.stdout?.on('data', (d: Buffer) => {
      t.output += d.toString();
      if (/press 1 → billing.*\n/.test(t.output)) resolve();
    });
  }), 'the gateway banner', WAIT_MS);
  t.sipPort = Number(/^agentline: SIP on 127\.0\.0\.1:(\d+)/m.exec(t.output)?.[1]);
  t.httpPort = Number(/^agentline: HTTP on http:\/\/127\.0\.0\.1:(\d+)/m.exec(t.output)?.[1]);
  t.apiKey = /Handoff API key \(shown once\): (alk_\S+)/.exec(t.output)?.[1] ?? '';
  assert.ok(t.sipPort > 0 && t.httpPort > 0 && t.apiKey !== '', `banner parsed:\n${t.output}`);
  return t;
}

async function stopTerminal1(t: Terminal1 | undefined): Promise<void> {
  if (!t || t.child.exitCode !== null || t.child.signalCode !== null) return;
  const exited = new Promise((resolve) => t.child.once('exit', resolve));
  t.child.kill('SIGTERM');
  await within(exited, 'the gateway to exit', WAIT_MS).catch(() => t.child.kill('SIGKILL'));
}

/** The documented call line for this gateway: its ports and key; `swap` changes a flag. */
function documentedCall(t: Terminal1, swap: Record<string, string> = {}): string[] {
  const words = (callLine ?? '').replace(/\\\n/g, ' ').trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 3), ['npx', 'agentline', 'call'], 'terminal 2 runs `npx agentline call`');
  const used = new Set<string>();
  const args = words.slice(2).map((w) => {
    const out = w === '127.0.0.1:5060' ? `127.0.0.1:${t.sipPort}`
      : w === 'http://127.0.0.1:8080' ? `http://127.0.0.1:${t.httpPort}`
      : w.startsWith('alk_') ? t.apiKey : swap[w] ?? w;
    if (out !== w) used.add(w.startsWith('alk_') ? 'key' : w);
    return out;
  });
  assert.equal(used.size, 3 + Object.keys(swap).length, `the page's call line names the gateway, the API and the key: ${words.join(' ')}`);
  return args;
}

/** Runs `agentline <args>` as `npx agentline` would; stdout and the exit code. */
function runAgentline(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT, env: childEnv({}), stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  return within(new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout }))), `agentline ${args.join(' ')}`, WAIT_MS);
}

/** The checks of the page's main claim: billing, not contained, the data of the handoff. */
function assertTransferToBilling(stdout: string): void {
  assert.match(stdout, /^ {2}X-contained: false$/m);
  assert.match(stdout, /^ {2}X-destination: billing$/m);
  assert.match(stdout, /^Return from the agent: variables contained=false destination=billing$/m);
  assert.match(stdout, /^Case: transfer to skill billing$/m);
  const record = JSON.parse(/^ {2}(\{"id".*)$/m.exec(stdout)?.[1] ?? '{}') as { shared_id?: string; data?: Record<string, unknown> };
  assert.equal(record.shared_id, /X-five9sessionid: (\S+)/.exec(stdout)?.[1]);
  assert.equal(record.data?.['contained'], false);
  assert.equal(record.data?.['destination'], 'billing');
  assert.deepEqual(record.data?.['digits'], { choice: '1' });
  assert.deepEqual(record.data?.['path'], ['greet', 'menu', 'route', 'billing']);
}

// The two gateways are independent: run both parts at once.
describe('quickstart', { concurrency: true }, () => {
  describe('docs/quickstart.md, as written', () => {
    let dir: string;
    let t1: Terminal1 | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'agentline-quickstart-'));
      t1 = await startTerminal1(dir);
    });

    after(async () => {
      await stopTerminal1(t1);
      rmSync(dir, { recursive: true, force: true });
    });

    test('the README\'s quickstart paragraph has the same commands as the page', () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      assert.match(readme.split('\n').slice(0, 5).join('\n'), /^npm ci && npm start {2,}#/m, 'the first command at the very top');
      const words = (s: string): string => s.replace(/\\\n/g, ' ').replace(/alk_\S+/g, 'alk_…').trim().split(/\s+/).join(' ');
      const readmeCall = codeBlocks(readme).get('Quickstart')?.[0] ?? '';
      assert.equal(words(readmeCall), words(callLine ?? ''));
    });

    test('terminal 1: `npm ci && npm start` prints the banner the page shows', () => {
      assert.match(terminal1 ?? '', /^npm ci && npm start$/m);
      assert.ok((serveSample ?? '').includes(`> ${startScript}`), `the page shows what npm start runs: ${startScript}`);
      assertMatchesSample(serveSample ?? '', t1?.output ?? '', (l) => l.startsWith('>') || l.startsWith('{'));
    });

    test('terminal 2: the documented call goes to billing; the output is the page\'s sample', async () => {
      assert.ok(t1);
      const { code, stdout } = await runAgentline(documentedCall(t1));
      assert.equal(code, 0, stdout);
      assertTransferToBilling(stdout);
      assertMatchesSample(callSample ?? '', stdout, (l) => !haveEspeak && l.includes('caller heard audio'));
    });

    test('the table: --press 2@1s → support, --press 3@1s → contained', async () => {
      assert.ok(t1);
      const [two, three] = await Promise.all([
        runAgentline(documentedCall(t1, { '1@1s': '2@1s' })),
        runAgentline(documentedCall(t1, { '1@1s': '3@1s' })),
      ]);
      assert.match(two.stdout, /^Case: transfer to skill support$/m);
      assert.match(three.stdout, /^ {2}X-contained: true$/m);
      assert.doesNotMatch(three.stdout, /X-destination/);
      assert.match(three.stdout, /^Case: end \(contained\)$/m);
    });
  });

  describe('docs/quickstart.md on a machine without espeak-ng', () => {
    let dir: string;
    let t1: Terminal1 | undefined;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'agentline-quickstart-notts-'));
      // A PATH with nothing on it: `espeak-ng` cannot be found (node is run by its full path).
      t1 = await startTerminal1(dir, join(dir, 'empty-path'));
    });

    after(async () => {
      await stopTerminal1(t1);
      rmSync(dir, { recursive: true, force: true });
    });

    test('the prompts are skipped (silence) and the call still goes to billing', async () => {
      assert.ok(t1);
      const { code, stdout } = await runAgentline(documentedCall(t1));
      assert.equal(code, 0, stdout);
      assert.match(stdout, /^ {2}caller heard audio: no \(peak digital silence;/m);
      assertTransferToBilling(stdout);
    });
  });
});
