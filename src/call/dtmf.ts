/**
 * DTMF for the agent: digits by SIP INFO (`application/dtmf-relay`, the de-facto format
 * `Signal=1\r\nDuration=160`, and `application/dtmf` with the digit as body) and by RTP
 * (RFC 4733 events from the media layer) reach the agent through one hub.
 */
import type { AgentMedia, DtmfListener } from '../agents/index.ts';

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

/** Fans digits out to the agent's listeners; a throwing listener does not stop the others. */
export class DtmfHub implements AgentMedia {
  readonly #listeners = new Set<DtmfListener>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** @inheritdoc */
  onDtmf(listener: DtmfListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers a digit to every listener. */
  push(digit: string): void {
    for (const l of [...this.#listeners]) {
      try {
        l(digit);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
