/**
 * Handing a call back by REFER (ARCHITECTURE.md "SIP, end of the agent's leg", optional
 * per trunk; Genesys-style): `Refer-To` built from the trunk's template and the
 * destination, `User-to-User` (RFC 7433) carrying the conversation id so the contact
 * center can read the record by `?id=`, the outcome headers as on the BYE, and the
 * outcome taken from the NOTIFY sipfrag, not from the 202 (RFC 3515 §2.4.5).
 */
import { referAndFollow, type Dialog, type ReferResult } from '../dialog/index.ts';
import type { Clock } from '../transaction/index.ts';

/** Default longest wait for the REFER's final NOTIFY, ms. */
export const REFER_TIMEOUT_MS = 30_000;

/** How a REFER transfer ended (the dialog layer's result). */
export type TransferResult = ReferResult;

/** Values a `referTarget` template may name. */
export interface ReferVars {
  destination: string;
  conversationId: string;
  sharedId?: string;
}

/**
 * The `Refer-To` URI: the template with `{destination}`, `{conversationId}` and
 * `{sharedId}` replaced, each %-escaped (RFC 3261 §25.1) so a value cannot break the URI.
 * @example referUri('sip:{destination}@cc.example.com', { destination: 'billing', ... }) → 'sip:billing@cc.example.com'
 */
export function referUri(template: string, vars: ReferVars): string {
  const values: Record<string, string> = {
    destination: vars.destination, conversationId: vars.conversationId, sharedId: vars.sharedId ?? '',
  };
  return template.replace(/\{(destination|conversationId|sharedId)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** The `User-to-User` value (RFC 7433 §4): `text` as hex with `encoding=hex`. */
export function userToUser(text: string): string {
  return `${Buffer.from(text, 'utf8').toString('hex')};encoding=hex`;
}

/** Options of {@link transferByRefer}. */
export interface TransferOptions extends ReferVars {
  /** The trunk's `referTarget` template. */
  template: string;
  /** The outcome headers (as on the BYE), so a contact center can read either. */
  headers: Array<[string, string]>;
  clock: Clock;
  /** Longest wait for the final NOTIFY, ms. Default {@link REFER_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Sends the REFER and follows it to its outcome. Never rejects. */
export function transferByRefer(dialog: Dialog, o: TransferOptions): Promise<TransferResult> {
  const vars: ReferVars = { destination: o.destination, conversationId: o.conversationId, ...(o.sharedId === undefined ? {} : { sharedId: o.sharedId }) };
  const headers: Array<[string, string]> = [
    // RFC 3892: who asks for the transfer.
    ['Referred-By', `<${dialog.localUri.uri.toString()}>`],
    ['User-to-User', userToUser(o.conversationId)],
    ...o.headers,
  ];
  return referAndFollow(dialog, o.clock, { referTo: referUri(o.template, vars), headers, timeoutMs: o.timeoutMs ?? REFER_TIMEOUT_MS });
}
