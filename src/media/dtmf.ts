/**
 * DTMF as data: the RFC 4733 telephone-event payload (§2.3), the event-code ↔ digit
 * mapping (§3.2), and DTMF carried in SIP INFO bodies (`application/dtmf-relay`,
 * `application/dtmf`). The packet-stream receiver and sender live in
 * `dtmf-receiver.ts` and `dtmf-sender.ts`.
 */

/** DTMF digits in RFC 4733 §3.2 event-code order: codes 0–15. */
export const DTMF_DIGITS = '0123456789*#ABCD';

/** Size of a telephone-event payload in bytes (RFC 4733 §2.3). */
export const TELEPHONE_EVENT_SIZE = 4;

/** Default RTP payload type of telephone-event in our SDP. */
export const DEFAULT_TELEPHONE_EVENT_PT = 101;

/** A decoded telephone-event payload, meant to be reused. */
export class TelephoneEvent {
  /** Event code (0–255); 0–15 are DTMF digits. */
  event = 0;
  /** E bit: this packet ends the event. */
  end = false;
  /** Power level in −dBm0, 0–63 (RFC 4733 §2.3.4). */
  volume = 0;
  /** Duration so far, in RTP timestamp units (§2.3.5). */
  duration = 0;
}

/**
 * The RFC 4733 event code of a digit.
 * @param digit one of `0-9 * # A-D` (lower-case a–d accepted)
 * @returns 0–15, or -1 when the character is not a DTMF digit
 */
export function dtmfEventCode(digit: string): number {
  if (digit.length !== 1) return -1;
  return DTMF_DIGITS.indexOf(digit.toUpperCase());
}

/**
 * The digit of an RFC 4733 event code.
 * @returns the digit, or undefined for codes other than 0–15
 */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DTMF_DIGITS[event] : undefined;
}

/**
 * Decodes a telephone-event payload into `out`.
 * @returns false when fewer than 4 bytes are available
 */
export function decodeTelephoneEvent(buf: Uint8Array, offset: number, length: number, out: TelephoneEvent): boolean {
  if (length < TELEPHONE_EVENT_SIZE || offset + TELEPHONE_EVENT_SIZE > buf.length) return false;
  out.event = buf[offset]!;
  const b1 = buf[offset + 1]!;
  out.end = (b1 & 0x80) !== 0;
  out.volume = b1 & 0x3f; // the R bit (0x40) is reserved and ignored
  out.duration = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  return true;
}

/**
 * Encodes a telephone-event payload at `offset`.
 * @param event event code 0–255
 * @param end E bit
 * @param volume −dBm0, 0–63 (clamped)
 * @param duration RTP timestamp units, 0–65535 (clamped)
 * @returns bytes written (4)
 */
export function encodeTelephoneEvent(
  buf: Uint8Array,
  offset: number,
  event: number,
  end: boolean,
  volume: number,
  duration: number,
): number {
  const d = Math.max(0, Math.min(0xffff, Math.round(duration)));
  buf[offset] = event & 0xff;
  buf[offset + 1] = (end ? 0x80 : 0) | Math.max(0, Math.min(63, volume));
  buf[offset + 2] = d >> 8;
  buf[offset + 3] = d & 0xff;
  return TELEPHONE_EVENT_SIZE;
}

/** A digit received by SIP INFO. */
export interface InfoDtmf {
  /** The digit, `0-9 * # A-D`. */
  digit: string;
  /** Duration in milliseconds when the body gave one. */
  durationMs?: number;
}

/** A digit given as a character or as its event code (`10` = `*`, `11` = `#`, …). */
function signalToDigit(value: string): string | undefined {
  const v = value.trim();
  if (dtmfEventCode(v) >= 0) return v.toUpperCase();
  if (/^\d{1,2}$/.test(v)) return dtmfDigit(Number(v));
  return undefined;
}

/**
 * Parses the body of a SIP INFO carrying DTMF.
 * - `application/dtmf-relay`: `Signal=5\r\nDuration=160` (keys case-insensitive,
 *   Duration in ms; `Signal` may also be an event code like `11` for `#`).
 * - `application/dtmf`: the digit or its event code alone (`5`, `11`).
 * @param contentType the Content-Type header value (parameters ignored)
 * @returns the digit, or null when the type is not a DTMF one or the body has none
 */
export function parseInfoDtmf(contentType: string, body: string): InfoDtmf | null {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/dtmf') {
    const digit = signalToDigit(body);
    return digit === undefined ? null : { digit };
  }
  if (type !== 'application/dtmf-relay') return null;
  let digit: string | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') digit = signalToDigit(value);
    else if (key === 'duration' && /^\d+$/.test(value)) durationMs = Number(value);
  }
  if (digit === undefined) return null;
  return durationMs === undefined ? { digit } : { digit, durationMs };
}
