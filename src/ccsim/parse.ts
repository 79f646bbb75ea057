/**
 * Parsers for the caller script and the emulator's options as a person types them:
 * durations (`500ms`, `1.5s`, `2m`), digit presses (`1@1s,23@2.5s`), skill maps
 * (`billing=Billing_Queue`). Pure; every failure is a `ccsim_bad_option` naming the input.
 */
import { CcsimError } from './errors.ts';
import type { DigitPress, DtmfMode } from './types.ts';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i;
const DIGITS = /^[0-9*#A-Da-d]+$/;

/**
 * A duration in ms. A bare number is seconds.
 * @throws CcsimError `ccsim_bad_option`
 */
export function parseDuration(text: string, what = 'duration'): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new CcsimError('ccsim_bad_option', `${what}: expected e.g. 500ms, 1.5s, 2m [got:${JSON.stringify(text)}]`);
  const value = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000;
  return Math.round(value * factor);
}

/**
 * Digit presses: `DIGITS@TIME` separated by commas; `DIGITS` alone is pressed 1 s after
 * the answer. Sorted by time.
 * @throws CcsimError `ccsim_bad_option`
 */
export function parsePresses(text: string): DigitPress[] {
  const out: DigitPress[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const at = part.indexOf('@');
    const digits = (at < 0 ? part : part.slice(0, at)).trim();
    if (!DIGITS.test(digits)) throw new CcsimError('ccsim_bad_option', `press: digits are 0-9 * # A-D [got:${JSON.stringify(part)}]`);
    const atMs = at < 0 ? 1000 : parseDuration(part.slice(at + 1), 'press time');
    out.push({ digits: digits.toUpperCase(), atMs });
  }
  if (out.length === 0) throw new CcsimError('ccsim_bad_option', `press: no digits [got:${JSON.stringify(text)}]`);
  return out.sort((a, b) => a.atMs - b.atMs);
}

/**
 * `destination=skill` pairs (repeatable option) into a map.
 * @throws CcsimError `ccsim_bad_option`
 */
export function parseSkillMap(pairs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const destination = eq < 0 ? '' : pair.slice(0, eq).trim();
    const skill = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (destination === '' || skill === '') {
      throw new CcsimError('ccsim_bad_option', `skill: expected destination=skill [got:${JSON.stringify(pair)}]`);
    }
    map[destination] = skill;
  }
  return map;
}

/**
 * A DTMF mode.
 * @throws CcsimError `ccsim_bad_option`
 */
export function parseDtmfMode(text: string): DtmfMode {
  const mode = text.trim().toLowerCase();
  if (mode === 'rfc4733' || mode === 'info' || mode === 'both') return mode;
  if (mode === 'rfc2833') return 'rfc4733';
  throw new CcsimError('ccsim_bad_option', `dtmf mode: rfc4733, info or both [got:${JSON.stringify(text)}]`);
}

/**
 * A positive number (integer when `integer`).
 * @throws CcsimError `ccsim_bad_option`
 */
export function parsePositive(text: string, what: string, integer = true): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new CcsimError('ccsim_bad_option', `${what}: expected a positive ${integer ? 'integer' : 'number'} [got:${JSON.stringify(text)}]`);
  }
  return n;
}

/**
 * `host[:port]` of the gateway (default port 5060; IPv6 as `[::1]:5060`).
 * @throws CcsimError `ccsim_bad_option`
 */
export function parseTarget(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 5060 : Number(m[3]);
  if (host === undefined || port < 1 || port > 65535) {
    throw new CcsimError('ccsim_bad_option', `gateway: expected host[:port] [got:${JSON.stringify(text)}]`);
  }
  return { host, port };
}
