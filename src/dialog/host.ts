/** What dialogs and call flows need from the user agent that owns them. */
import type { Clock, TimerConfig, TransactionLayer } from '../transaction/index.ts';
import type { Endpoint, Protocol } from '../transport/types.ts';
import type { Dialog } from './dialog.ts';

/** Services a dialog uses; implemented by `UserAgent`. */
export interface DialogHost {
  transactions: TransactionLayer;
  clock: Clock;
  timers: TimerConfig;
  /** `User-Agent`/`Server` header value, or undefined for none. */
  userAgent: string | undefined;
  /** Methods we accept (Allow header). */
  allow: string[];
  /** Allow, Accept, Supported headers for OPTIONS answers. */
  capabilityHeaders(): Array<[string, string]>;
  /** Our advertised transport address for a protocol. */
  local(protocol: Protocol): Endpoint;
  /** Registers a dialog so in-dialog requests reach it. */
  remember(dialog: Dialog): void;
  /** Drops a dialog from the table. */
  forget(dialog: Dialog): void;
  /** Runs an owner callback, reporting instead of throwing. */
  safe(fn: () => void): void;
}
