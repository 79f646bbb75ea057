/**
 * Transfer by REFER inside a dialog (RFC 3515): send the REFER, then follow the implicit
 * `refer` subscription's NOTIFYs, whose `message/sipfrag` bodies (RFC 3420) carry the
 * status line of the transferee's INVITE. The outcome is that status, not the `202`
 * (§2.4.5: the 202 only says the REFER was accepted).
 */
import type { SipRequest } from '../sip/index.ts';
import type { Clock } from '../transaction/index.ts';
import type { Dialog, DialogHandlers } from './dialog.ts';

/** Options of {@link referAndFollow}. */
export interface ReferOptions {
  /** The `Refer-To` URI (RFC 3515 §2.1), sent in angle brackets. */
  referTo: string;
  /** More headers for the REFER (e.g. `Referred-By`, `User-to-User`). */
  headers?: Array<[string, string]>;
  /** Longest wait for a final NOTIFY after the REFER is sent, ms. */
  timeoutMs: number;
}

/** How a REFER ended. */
export type ReferResult =
  /** A NOTIFY carried a 2xx status line: the transferee reached the target. */
  | { ok: true; status: number }
  /**
   * `rejected`: the REFER got a non-2xx (status set); `failed`: a NOTIFY carried a final
   * non-2xx (status set) or ended the subscription without one; `timeout`: no final NOTIFY
   * in time; `ended`: the dialog ended first (e.g. the peer's BYE).
   */
  | { ok: false; reason: 'rejected' | 'failed' | 'timeout' | 'ended'; status?: number };

/** The status code of a `message/sipfrag` body's first line (`SIP/2.0 200 OK`), or undefined. */
export function parseSipfragStatus(body: string): number | undefined {
  const m = /^\s*SIP\/2\.0\s+(\d{3})\b/i.exec(body);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * What one NOTIFY says about the refer subscription (RFC 3515 §2.4.4–2.4.5): a final
 * status, `pending` for a provisional one, `terminated` for a subscription ended without
 * a final status, or `ignore` for a NOTIFY of another event package.
 */
export function readReferNotify(req: SipRequest): { kind: 'final'; status: number } | { kind: 'pending' | 'terminated' | 'ignore' } {
  const event = (req.get('event') ?? '').split(';')[0]?.trim().toLowerCase();
  if (event !== 'refer') return { kind: 'ignore' };
  const type = req.contentType?.toLowerCase();
  const status = type === 'message/sipfrag' ? parseSipfragStatus(req.body.toString()) : undefined;
  if (status !== undefined && status >= 200) return { kind: 'final', status };
  const state = (req.get('subscription-state') ?? '').split(';')[0]?.trim().toLowerCase();
  return state === 'terminated' ? { kind: 'terminated' } : { kind: 'pending' };
}

/**
 * Sends a REFER in `dialog` and resolves with its outcome. The dialog's `onNotify` and
 * `onEnd` handlers are wrapped for the time of the transfer (the owner's run too) and
 * restored after. Never rejects.
 */
export function referAndFollow(dialog: Dialog, clock: Clock, options: ReferOptions): Promise<ReferResult> {
  return new Promise<ReferResult>((resolve) => {
    const saved: DialogHandlers = dialog.handlers;
    let done = false;
    const finish = (result: ReferResult): void => {
      if (done) return;
      done = true;
      timer.cancel();
      if (dialog.handlers === handlers) dialog.handlers = saved;
      resolve(result);
    };
    const handlers: DialogHandlers = {
      ...saved,
      onNotify: (tx) => {
        saved.onNotify?.(tx);
        const n = readReferNotify(tx.request);
        if (n.kind === 'final') finish(n.status < 300 ? { ok: true, status: n.status } : { ok: false, reason: 'failed', status: n.status });
        else if (n.kind === 'terminated') finish({ ok: false, reason: 'failed' });
      },
      onEnd: (reason) => {
        saved.onEnd?.(reason);
        finish({ ok: false, reason: 'ended' });
      },
    };
    const timer = clock.setTimer(options.timeoutMs, () => finish({ ok: false, reason: 'timeout' }));
    if (dialog.state === 'terminated') {
      finish({ ok: false, reason: 'ended' });
      return;
    }
    // Installed before the REFER leaves: a NOTIFY may overtake the 202 (RFC 3515 §2.4.4).
    dialog.handlers = handlers;
    const headers: Array<[string, string]> = [['Refer-To', `<${options.referTo}>`], ...(options.headers ?? [])];
    dialog.request('REFER', { headers }).final.then((res) => {
      if (res.status >= 300) finish({ ok: false, reason: 'rejected', status: res.status });
    }, () => finish({ ok: false, reason: 'rejected' }));
  });
}
