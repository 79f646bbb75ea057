/**
 * A small UAS built on the SIP stack, for conformance and interop tests (a fixture, not
 * the product): answers OPTIONS, rings INVITEs for `ringMs` then answers 200 with an SDP
 * answer (or rejects with `rejectStatus`), answers BYE, and can hang up itself.
 */
import { answerOffer } from '../../src/sdp/index.ts';
import { SipTransport } from '../../src/transport/index.ts';
import { UserAgent, type Dialog } from '../../src/dialog/index.ts';
import type { TimerConfig } from '../../src/transaction/index.ts';
import type { Protocol } from '../../src/transport/types.ts';

/** Options of `startTestUas`. */
export interface TestUasOptions {
  host?: string;
  port?: number;
  protocols?: Protocol[];
  /** Ring time before answering, ms. Default 0 (answer at once, after a 180). */
  ringMs?: number;
  /** When set, INVITEs get this final status instead of 200. */
  rejectStatus?: number;
  /** When set, the UAS sends BYE this many ms after the ACK, with `byeHeaders`. */
  hangupAfterMs?: number;
  byeHeaders?: Array<[string, string]>;
  timers?: Partial<TimerConfig>;
}

/** A running test UAS. */
export interface TestUas {
  transport: SipTransport;
  ua: UserAgent;
  port: number;
  /** Counters of what happened. */
  stats: { invites: number; answered: number; acked: number; byesReceived: number; byesSent: number; cancelled: number; errors: number };
  close(): Promise<void>;
}

/** Starts the UAS on `host` (default 127.0.0.1) and a free port. */
export async function startTestUas(options: TestUasOptions = {}): Promise<TestUas> {
  const host = options.host ?? '127.0.0.1';
  const transport = await SipTransport.listen({ host, port: options.port ?? 0, protocols: options.protocols ?? ['udp', 'tcp'] });
  const stats = { invites: 0, answered: 0, acked: 0, byesReceived: 0, byesSent: 0, cancelled: 0, errors: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    timers.add(t);
  };
  const ua: UserAgent = new UserAgent({
    transport,
    timers: options.timers,
    onError: () => void stats.errors++,
    onInvite: (invite) => {
      stats.invites++;
      invite.onCancel = () => void stats.cancelled++;
      if (options.rejectStatus !== undefined) {
        invite.reject(options.rejectStatus);
        return;
      }
      invite.provisional(180);
      later(options.ringMs ?? 0, () => {
        if (invite.state !== 'pending') return;
        let sdp: string | undefined;
        try {
          sdp = answerOffer(invite.request.body.toString(), { address: host, port: 40000 }).answer;
        } catch {
          invite.reject(488);
          return;
        }
        const dialog = invite.accept({ sdp });
        stats.answered++;
        watch(dialog);
      });
    },
  });
  const watch = (dialog: Dialog): void => {
    dialog.handlers = {
      onAck: () => {
        stats.acked++;
        if (options.hangupAfterMs === undefined) return;
        later(options.hangupAfterMs, () => {
          if (dialog.state === 'terminated') return;
          stats.byesSent++;
          void dialog.bye({ headers: options.byeHeaders ?? [] });
        });
      },
      onBye: () => void stats.byesReceived++,
      onModify: (tx) => {
        try {
          const sdp = answerOffer(tx.request.body.toString(), { address: host, port: 40000 }).answer;
          tx.reply(200, { body: sdp, contentType: 'application/sdp', toTag: dialog.id.localTag });
        } catch {
          tx.reply(488, { toTag: dialog.id.localTag });
        }
      },
    };
  };
  return {
    transport, ua, port: transport.port, stats,
    async close() {
      for (const t of timers) clearTimeout(t);
      ua.close();
      await transport.close();
    },
  };
}
