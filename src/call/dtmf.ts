/**
 * DTMF for the agent: digits by SIP INFO (`application/dtmf-relay`, the de-facto format
 * `Signal=1\r\nDuration=160`, and `application/dtmf` with the digit as body) and by RTP
 * (RFC 4733 events from the media layer) reach the agent once per key press.
 */
const DIGIT = /^[0-9*#A-D]$/;

/**
 * The digit of a SIP INFO body, or undefined when it carries none we understand.
 * @param contentType the request's Content-Type (media type only)
 * @param body the request body
 */
export function parseInfoDigit(contentType: string | undefined, body: string): string | undefined {
  const type = contentType?.toLowerCase();
  if (type === 'application/dtmf-relay') {
    const m = /^\s*signal\s*=\s*(\S)/im.exec(body);
    return normalize(m?.[1]);
  }
  if (type === 'application/dtmf') return normalize(body.trim());
  return undefined;
}

function normalize(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const up = d.toUpperCase();
  return DIGIT.test(up) ? up : undefined;
}

/** Where a digit came from. */
export type DigitSource = 'info' | 'rtp';

/** Default window in which the same digit from the other source is the same key press, ms. */
export const DTMF_DEDUP_WINDOW_MS = 1500;

interface SeenDigit {
  digit: string;
  source: DigitSource;
  atMs: number;
  /** True once the other source's copy of this key press was dropped. */
  paired: boolean;
}

/**
 * One key press, one digit: some user agents signal each press both by SIP INFO and by
 * RFC 4733 events. A digit is dropped when the same digit came from the OTHER source
 * within the window and was not already paired; repeats on one source always pass (the
 * media layer already reports each RFC 4733 event once, §2.5.1.4 end-packet redundancy
 * included). Time is injected.
 */
export class DtmfDeduper {
  readonly #recent: SeenDigit[] = [];
  #dropped = 0;

  /**
   * @param now monotonic time, ms
   * @param windowMs pairing window, ms (default {@link DTMF_DEDUP_WINDOW_MS})
   */
  constructor(
    private readonly now: () => number,
    private readonly windowMs = DTMF_DEDUP_WINDOW_MS,
  ) {}

  /** Digits dropped as the other source's copy of a key press. */
  get dropped(): number {
    return this.#dropped;
  }

  /** True when `digit` from `source` is a new key press (to deliver); false for a copy. */
  accept(digit: string, source: DigitSource): boolean {
    const atMs = this.now();
    while (this.#recent.length > 0 && atMs - this.#recent[0]!.atMs > this.windowMs) this.#recent.shift();
    const twin = this.#recent.find((r) => !r.paired && r.digit === digit && r.source !== source);
    if (twin !== undefined) {
      twin.paired = true;
      this.#dropped++;
      return false;
    }
    this.#recent.push({ digit, source, atMs, paired: false });
    return true;
  }
}
