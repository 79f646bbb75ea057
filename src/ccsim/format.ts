/**
 * Text for a person: one call's report as the IVR script's steps, the load mode's
 * progress line and its closing summary. Pure.
 */
import { SILENCE_DBFS } from './meter.ts';
import type {
  CallReport, Decision, LoadProgress, LoadSummary, MediaReport, Percentiles, QueryResult, SessionUpdate,
} from './types.ts';

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

/** The decision on one line: `transfer to skill billing` or `end (contained)`. */
export function describeDecision(d: Decision): string {
  if (d.action === 'transfer') return `transfer to skill ${d.skill ?? '?'}`;
  return d.contained === true ? 'end (contained)' : 'end';
}

/** A call report, step by step. */
export function formatCallReport(r: CallReport): string {
  const lines: string[] = [];
  lines.push(`Set Variable + Third Party Transfer: INVITE ${r.invite.uri}`);
  for (const [name, value] of r.invite.headers) lines.push(`  ${name}: ${value}`);
  lines.push(`  → ${r.answer.status} ${r.answer.reason} in ${ms(r.answer.setupMs)} [call-id:${r.callId}]`);
  if (r.media !== undefined && r.answer.status < 300) lines.push(...mediaLines(r.media));
  for (const u of r.sessionUpdates) lines.push(updateLine(u));
  lines.push(...endLines(r));
  lines.push(...queryLines(r.query));
  lines.push(`Case: ${describeDecision(r.decision)}`);
  lines.push(`  why: ${r.decision.reason}`);
  for (const issue of r.issues) lines.push(`note: ${issue.message} [${issue.code}]`);
  return lines.join('\n');
}

function mediaLines(m: MediaReport): string[] {
  const out: string[] = [];
  for (const d of m.dtmf) out.push(`  caller pressed ${d.digits} at ${ms(d.atMs)} (${d.mode === 'info' ? `SIP INFO → ${d.status ?? 'no answer'}` : 'RFC 4733'})`);
  const peak = m.peakDbfs > SILENCE_DBFS ? `${m.peakDbfs.toFixed(1)} dBFS` : 'digital silence';
  out.push(`  caller heard audio: ${m.heard ? `yes, ${ms(m.activeMs)}` : 'no'} (peak ${peak}; RTP ${m.packetsSent} sent, ${m.packetsReceived} received)`);
  if (m.tone !== undefined) out.push(`  tone ${m.tone.hz} Hz: ${m.tone.heard ? `heard, ${ms(m.tone.activeMs)}` : 'not heard'}`);
  if (m.recording !== undefined) out.push(`  recorded ${ms(m.recording.durationMs)} to ${m.recording.path}`);
  return out;
}

/** `  gateway re-INVITE at 1.5 s → 200 (SDP answered; Session-Expires 90;refresher=uac)` */
function updateLine(u: SessionUpdate): string {
  const sdp = { answer: 'SDP answered', offer: 'our offer, answer in the ACK', none: 'no SDP' }[u.sdp];
  const parts = [sdp];
  if (u.direction !== undefined && u.direction !== 'sendrecv') parts.push(`caller ${u.direction}`);
  if (u.sessionExpires !== undefined) parts.push(`Session-Expires ${u.sessionExpires}`);
  const what = u.method === 'INVITE' ? 're-INVITE' : 'UPDATE';
  return `  gateway ${what} at ${ms(u.atMs)} → ${u.status} (${parts.join('; ')})`;
}

function endLines(r: CallReport): string[] {
  const out: string[] = [];
  const how: Record<string, string> = {
    agent: 'the agent sent BYE', caller: 'the caller hung up', timeout: 'the caller gave up waiting (max call time)',
    aborted: 'the run was stopped', not_answered: 'not answered', error: 'the call failed',
  };
  if (r.ended !== 'not_answered') out.push(`End: ${how[r.ended] ?? r.ended} after ${ms(r.durationMs)}`);
  const xHeaders = (r.bye?.headers ?? []).filter(([name]) => name.toLowerCase().startsWith('x-'));
  for (const [name, value] of xHeaders) out.push(`  ${name}: ${value}`);
  if (r.bye !== undefined) {
    const vars = Object.entries(r.variables).map(([k, v]) => `${k}=${v}`).join(' ');
    out.push(`Return from the agent: variables ${vars === '' ? '(none)' : vars}`);
  }
  return out;
}

function queryLines(q: QueryResult): string[] {
  if (q.branch === 'skipped') return [`Query module: skipped (${q.reason})`];
  const out = [`Query module: GET ${q.url ?? '?'}`, `  → ${q.branch}: ${q.reason} (${ms(q.latencyMs)})`];
  if (q.handoff !== undefined) out.push(`  ${JSON.stringify(q.handoff)}`);
  return out;
}

/** The live progress line of a load run. */
export function formatProgress(p: LoadProgress): string {
  return `calls ${p.started}/${p.total} started, ${p.running} running, ${p.done} done, ${p.failed} failed, ${ms(p.elapsedMs)}`;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ×${v}`).join(', ');
}

function pct(p: Percentiles): string {
  if (p.count === 0) return 'no samples';
  const f = (v: number): string => v.toFixed(1);
  return `p50 ${f(p.p50)}  p95 ${f(p.p95)}  p99 ${f(p.p99)}  max ${f(p.max)}  (n=${p.count})`;
}

/** The closing summary of a load run. */
export function formatSummary(s: LoadSummary): string {
  return [
    `${s.calls} calls: ${s.started} started, ${s.completed} completed, ${s.failed} failed, ${s.skipped} skipped in ${ms(s.elapsedMs)} (started at ${s.rateAchieved.toFixed(1)} calls/s)`,
    `answers:        ${counts(s.answers)}`,
    `ended:          ${counts(s.ended)}`,
    `decisions:      ${counts(s.decisions)}`,
    `query:          ${counts(s.queryBranches)}`,
    `setup ms:       ${pct(s.setupMs)}`,
    `handoff ms:     ${pct(s.handoffFetchMs)}`,
    `audio:          heard ${s.audio.heard}, silent ${s.audio.silent}`,
    `errors:         ${counts(s.errors)}`,
  ].join('\n');
}
