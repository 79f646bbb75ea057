/**
 * `agentline call [gateway]`: the contact-center emulator from the command line. One call
 * (printed step by step, or `--json`), or load mode with `--calls N --rate R --concurrency C`
 * (a live progress line on stderr, a closing summary on stdout). Exit code 0 when every
 * call completed (answered, ended by the agent or the script), 1 otherwise.
 */
import { Option, type Command } from 'commander';
import {
  ContactCenter, DEFAULT_BYE_HEADERS, DEFAULT_HEADER_NAMES, DEFAULT_MAX_CALL_MS, DEFAULT_QUERY_BACKOFF_MS,
  DEFAULT_QUERY_RETRIES, DEFAULT_QUERY_TIMEOUT_MS, DEFAULT_SKILL, CcsimError, formatCallReport, formatProgress,
  formatSummary, isCompleted, parseDtmfMode, parseDuration, parseHeaderArg, parsePositive, parsePresses,
  parseSkillMap, parseTarget, runLoad, type AudioSpec, type CallOptions, type LoadProgress,
} from '../../ccsim/index.ts';

/** The command's options as commander hands them over. */
export interface CallCommandOptions {
  extension?: string; token?: string; sessionId?: string; ani?: string; dnis?: string; header?: string[];
  tokenHeader: string; sessionHeader: string; aniHeader: string; dnisHeader: string;
  play?: string; tone?: string; press?: string; dtmf: string; hangupAfter?: string; maxCall: string;
  record?: string; detectTone?: string;
  containedHeader: string; destinationHeader: string;
  api?: string; apiKey?: string; account: string; project: string; queryTimeout: string; retries: string; backoff: string; wait?: string;
  defaultSkill: string; skill?: string[];
  tcp?: boolean; localAddress: string; json?: boolean;
  calls?: string; rate: string; concurrency: string; maxDuration?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds `call` to the program. */
export function registerCallCommand(program: Command): void {
  const cmd = program.command('call')
    .description('call the gateway as a Five9-like contact center: INVITE with X-headers, caller script, BYE headers, Handoff API query, routing decision')
    .argument('[gateway]', 'gateway SIP address host[:port]', '127.0.0.1:5060');
  addScriptOptions(cmd);
  addReturnOptions(cmd);
  addLoadOptions(cmd);
  cmd.action(async (gateway: string, opts: CallCommandOptions) => {
    process.exitCode = opts.calls === undefined ? await single(gateway, opts) : await load(gateway, opts);
  });
}

function addScriptOptions(cmd: Command): void {
  cmd
    .option('-e, --extension <ext>', 'Request-URI user part (default 7001 unless --token)')
    .option('-t, --token <token>', 'agent token, sent in the token header')
    .option('--session-id <id>', 'contact-center session id (default: generated; the Handoff API shared_id)')
    .option('--ani <number>', 'caller number (ANI)')
    .option('--dnis <number>', 'dialled number (DNIS)')
    .option('-H, --header <"Name: value">', 'another custom header (repeatable; 10 custom headers at most)', collect)
    .option('--token-header <name>', 'token header name', DEFAULT_HEADER_NAMES.token)
    .option('--session-header <name>', 'session id header name', DEFAULT_HEADER_NAMES.sessionId)
    .option('--ani-header <name>', 'ANI header name', DEFAULT_HEADER_NAMES.ani)
    .option('--dnis-header <name>', 'DNIS header name', DEFAULT_HEADER_NAMES.dnis)
    .option('--play <file.wav>', 'caller audio: a WAV file (default silence)')
    .option('--tone <hz>', 'caller audio: a continuous tone')
    .option('-p, --press <digits@time,...>', 'digits to press after the answer, e.g. 1@1s or 12@1.5s,#@3s')
    .addOption(new Option('--dtmf <mode>', 'how digits are sent').choices(['rfc4733', 'info', 'both']).default('rfc4733'))
    .option('--hangup-after <time>', 'caller hangs up this long after the answer (default: wait for the agent\'s BYE)')
    .option('--max-call <time>', 'hang up if the agent has not ended the call by then', `${DEFAULT_MAX_CALL_MS / 1000}s`)
    .option('--record <file.wav>', 'record what the caller hears')
    .option('--detect-tone <hz>', 'report whether this frequency was heard (Goertzel)')
    .option('--tcp', 'SIP over TCP (default UDP)')
    .option('--local-address <ip>', 'address of the emulator\'s SIP and RTP sockets', '127.0.0.1')
    .option('--json', 'print the report (or the load summary) as JSON');
}

function addReturnOptions(cmd: Command): void {
  cmd
    .option('--contained-header <name>', 'BYE header read as "contained"', DEFAULT_BYE_HEADERS.contained)
    .option('--destination-header <name>', 'BYE header read as "destination"', DEFAULT_BYE_HEADERS.destination)
    .option('--api <url>', 'Handoff API base URL, e.g. http://127.0.0.1:8080 (also AGENTLINE_API_URL; without it the query is skipped)')
    .option('--api-key <key>', 'Handoff API key, sent as x-api-key (also AGENTLINE_API_KEY)')
    .option('--account <id>', 'account_id in the API path (tenant id or slug)', 'demo')
    .option('--project <id>', 'project_id in the API path (agent id or slug)', 'demo')
    .option('--query-timeout <time>', 'per-attempt timeout of the query', `${DEFAULT_QUERY_TIMEOUT_MS}ms`)
    .option('--retries <n>', 'retries on 5xx, timeout, connection error or 429 with Retry-After (never on other 4xx)', String(DEFAULT_QUERY_RETRIES))
    .option('--backoff <time>', 'first backoff between retries, doubled each time', `${DEFAULT_QUERY_BACKOFF_MS}ms`)
    .option('--wait <seconds>', 'ask the API to hold the request until the record exists (&wait=)')
    .option('--default-skill <name>', 'skill when nothing names a destination', DEFAULT_SKILL)
    .option('--skill <destination=skill>', 'skill for a destination (repeatable; default: the destination itself)', collect);
}

function addLoadOptions(cmd: Command): void {
  cmd
    .option('-n, --calls <n>', 'load mode: number of calls')
    .option('-r, --rate <cps>', 'load mode: new calls per second', '10')
    .option('-c, --concurrency <n>', 'load mode: most calls at once', '100')
    .option('--max-duration <time>', 'load mode: stop everything after this long (default: calls/rate + max call + 10s)');
}

/**
 * Builds one call's options from the command line.
 * @param index load mode's call number (suffixes a given session id)
 * @throws CcsimError `ccsim_bad_option`, `ccsim_bad_header`
 */
export function callOptionsFrom(opts: CallCommandOptions, env: NodeJS.ProcessEnv = process.env): (index?: number) => CallOptions {
  const headers = (opts.header ?? []).map(parseHeaderArg);
  const extension = opts.extension ?? (opts.token === undefined ? '7001' : undefined);
  const script = scriptFrom(opts);
  const apiBase = opts.api ?? env['AGENTLINE_API_URL'];
  const apiKey = opts.apiKey ?? env['AGENTLINE_API_KEY'];
  const query = apiBase === undefined ? undefined : {
    apiBase, account: opts.account, project: opts.project,
    timeoutMs: parseDuration(opts.queryTimeout, '--query-timeout'),
    retries: parseRetries(opts.retries),
    backoffMs: parseDuration(opts.backoff, '--backoff'),
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(opts.wait === undefined ? {} : { waitSec: parsePositive(opts.wait, '--wait') }),
  };
  const skills = parseSkillMap(opts.skill ?? []);
  return (index) => ({
    variables: {
      headers,
      ...(extension === undefined ? {} : { extension }),
      ...(opts.token === undefined ? {} : { token: opts.token }),
      ...(opts.sessionId === undefined ? {} : { sessionId: index === undefined ? opts.sessionId : `${opts.sessionId}-${index}` }),
      ...(opts.ani === undefined ? {} : { ani: opts.ani }),
      ...(opts.dnis === undefined ? {} : { dnis: opts.dnis }),
    },
    headerNames: { token: opts.tokenHeader, sessionId: opts.sessionHeader, ani: opts.aniHeader, dnis: opts.dnisHeader },
    script,
    byeHeaders: { contained: opts.containedHeader, destination: opts.destinationHeader },
    routing: { defaultSkill: opts.defaultSkill, skills },
    ...(query === undefined ? {} : { query }),
  });
}

function parseRetries(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new CcsimError('ccsim_bad_option', `--retries: expected 0 to 10 [got:${JSON.stringify(text)}]`);
  return n;
}

function scriptFrom(opts: CallCommandOptions): NonNullable<CallOptions['script']> {
  if (opts.play !== undefined && opts.tone !== undefined) throw new CcsimError('ccsim_bad_option', 'give --play or --tone, not both');
  const audio: AudioSpec = opts.play !== undefined ? { kind: 'wav', path: opts.play }
    : opts.tone !== undefined ? { kind: 'tone', hz: parsePositive(opts.tone, '--tone', false) } : { kind: 'silence' };
  return {
    audio, dtmfMode: parseDtmfMode(opts.dtmf), maxCallMs: parseDuration(opts.maxCall, '--max-call'),
    ...(opts.press === undefined ? {} : { presses: parsePresses(opts.press) }),
    ...(opts.hangupAfter === undefined ? {} : { hangupAfterMs: parseDuration(opts.hangupAfter, '--hangup-after') }),
    ...(opts.record === undefined ? {} : { recordPath: opts.record }),
    ...(opts.detectTone === undefined ? {} : { detectHz: parsePositive(opts.detectTone, '--detect-tone', false) }),
  };
}

async function start(gateway: string, opts: CallCommandOptions): Promise<ContactCenter> {
  const target = parseTarget(gateway);
  return ContactCenter.start({ gateway: { ...target, protocol: opts.tcp === true ? 'tcp' : 'udp' }, localAddress: opts.localAddress });
}

/** Ctrl-C aborts the call(s) in progress (BYE or CANCEL) instead of killing the process. */
function interrupt(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/** One call; the exit code. */
async function single(gateway: string, opts: CallCommandOptions): Promise<number> {
  const options = callOptionsFrom(opts)();
  const cc = await start(gateway, opts);
  const stop = interrupt();
  try {
    const report = await cc.call(options, stop.signal);
    console.log(opts.json === true ? JSON.stringify(report, null, 2) : formatCallReport(report));
    return isCompleted(report) ? 0 : 1;
  } finally {
    stop.dispose();
    await cc.close();
  }
}

/** Load mode; the exit code. */
async function load(gateway: string, opts: CallCommandOptions): Promise<number> {
  if (opts.record !== undefined) throw new CcsimError('ccsim_bad_option', '--record records one call; drop it in load mode');
  const calls = parsePositive(opts.calls ?? '', '--calls');
  const rate = parsePositive(opts.rate, '--rate', false);
  const concurrency = parsePositive(opts.concurrency, '--concurrency');
  const make = callOptionsFrom(opts);
  const maxCallMs = parseDuration(opts.maxCall, '--max-call');
  const maxDurationMs = opts.maxDuration === undefined ? (calls / rate) * 1000 + maxCallMs + 10_000 : parseDuration(opts.maxDuration, '--max-duration');
  const cc = await start(gateway, opts);
  const progress = progressPrinter();
  const stop = interrupt();
  try {
    const { summary } = await runLoad(cc, {
      calls, rate, concurrency, maxDurationMs, callOptions: (i) => make(i), onProgress: progress.print, signal: stop.signal,
    });
    progress.done();
    console.log(opts.json === true ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return summary.failed === 0 && summary.skipped === 0 ? 0 : 1;
  } finally {
    stop.dispose();
    await cc.close();
  }
}

/** The live progress line: redrawn in place on a terminal, one line every 5 s otherwise. */
function progressPrinter(): { print: (p: LoadProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  return {
    print: (p) => {
      if (tty) {
        process.stderr.write(`\r\x1b[K${formatProgress(p)}`);
      } else if (p.elapsedMs - lastLine >= 5000 || p.done === p.total) {
        lastLine = p.elapsedMs;
        process.stderr.write(`${formatProgress(p)}\n`);
      }
    },
    done: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}
