/**
 * Strings cut from a message that outlive it. A parsed message's values (header values, the
 * Via branch, the Call-ID) are, in V8, slices of the message's whole text, and each keeps all
 * of it alive: kept past the message (a record, a cache, a table), a 30-character id costs the
 * INVITE's kilobyte or more.
 */

/** A copy of `s` that shares nothing with the text it was cut from (same code units). */
export function detachText(s: string): string {
  // A JSON round trip makes a fresh flat string, lone surrogates included.
  return JSON.parse(JSON.stringify(s)) as string;
}
