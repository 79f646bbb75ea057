/**
 * The user agent core: owns the transaction layer and the dialog table, routes in-dialog
 * requests to their dialog (§12.2.2), answers what needs no application (OPTIONS with
 * Allow/Accept/Supported, §11.2; 405, 416, 420, 481, 501) and hands new INVITEs and other
 * requests to the application.
 */
import type { SipRequest} from '../sip/index.ts';
import { type SipResponse } from '../sip/index.ts';
import {
  TransactionLayer, systemClock, DEFAULT_TIMERS,
  type Clock, type ServerTransaction, type TimerConfig,
} from '../transaction/index.ts';
import { SlotMap } from '../lib/slot-map.ts';
import type { Endpoint, Inbound, Protocol, Transport } from '../transport/types.ts';
import { viaFor } from './addressing.ts';
import { Dialog, dialogKey } from './dialog.ts';
import type { DialogHost } from './host.ts';
import { OutgoingInvite, type InviteOptions } from './uac.ts';
import { IncomingInvite } from './uas.ts';

/** Options of a `UserAgent`. */
export interface UserAgentOptions {
  transport: Transport;
  /** Time source for every timer (default: the system clock). */
  clock?: Clock;
  /** Transaction timer base values in ms. */
  timers?: Partial<TimerConfig>;
  /** `User-Agent`/`Server` header value. Default `Agentline`. Empty string: none. */
  userAgent?: string;
  /** Methods we accept. Default INVITE ACK BYE CANCEL OPTIONS INFO UPDATE REFER NOTIFY. */
  allow?: string[];
  /** Option tags we support (Supported header, §20.37). Default `timer`. */
  supported?: string[];
  /** A new INVITE outside any dialog. The application must answer it. */
  onInvite?(invite: IncomingInvite, inbound: Inbound): void;
  /** Any other new request outside a dialog (OPTIONS is answered when this returns false). */
  onRequest?(tx: ServerTransaction): boolean;
  /** Errors that must not escape (failed sends, throwing handlers). */
  onError?(err: unknown): void;
}

const DEFAULT_ALLOW = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE', 'REFER', 'NOTIFY'];
const KNOWN_SCHEMES = new Set(['sip', 'sips', 'tel']);

/** A SIP user agent: UAS and UAC in one, on one transport. */
export class UserAgent implements DialogHost {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly timers: TimerConfig;
  readonly userAgent: string | undefined;
  readonly allow: string[];
  readonly supported: string[];
  /** A SlotMap, not a Map: see src/lib/slot-map.ts (a dialog leaves by the thousand a second). */
  private readonly dialogs = new SlotMap<Dialog>();
  private readonly onError: (err: unknown) => void;

  constructor(private readonly options: UserAgentOptions) {
    this.clock = options.clock ?? systemClock;
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.userAgent = options.userAgent === '' ? undefined : (options.userAgent ?? 'Agentline');
    this.allow = options.allow ?? DEFAULT_ALLOW;
    this.supported = options.supported ?? ['timer'];
    this.onError = options.onError ?? (() => {});
    this.transactions = new TransactionLayer(options.transport, {
      onRequest: (tx) => this.onRequest(tx),
      onAck: (inbound) => this.onAck(inbound),
      onStrayResponse: (res) => this.onStrayResponse(res),
    }, { clock: this.clock, timers: this.timers, onError: this.onError });
  }

  /** Number of live dialogs. */
  get dialogCount(): number {
    return this.dialogs.size;
  }

  /** Sends an INVITE (UAC). */
  invite(options: InviteOptions): OutgoingInvite {
    return new OutgoingInvite(this, options);
  }

  /** Sends an out-of-dialog request built by the caller (the Via is added here). */
  send(req: SipRequest, target: Endpoint): Promise<SipResponse> {
    req.prepend('Via', viaFor(this.local(target.protocol)));
    return this.transactions.request(req, target).final;
  }

  /** @inheritdoc */
  local(protocol: Protocol): Endpoint {
    return this.options.transport.advertised(protocol);
  }

  /** @inheritdoc */
  capabilityHeaders(): Array<[string, string]> {
    return [['Allow', this.allow.join(', ')], ['Accept', 'application/sdp'], ['Supported', this.supported.join(', ')]];
  }

  /** @inheritdoc */
  remember(dialog: Dialog): void {
    this.dialogs.set(dialog.key, dialog);
  }

  /** @inheritdoc */
  forget(dialog: Dialog): void {
    this.dialogs.delete(dialog.key);
  }

  /** @inheritdoc */
  safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Ends every dialog (without BYE) and transaction. */
  close(): void {
    for (const d of [...this.dialogs.values()]) d.end('closed');
    this.transactions.close();
  }

  private onRequest(tx: ServerTransaction): void {
    const req = tx.request;
    if (!this.checkRequest(tx)) return;
    const toTag = req.to.tag;
    if (toTag !== undefined) {
      const dialog = this.dialogs.get(dialogKey(req.callId, toTag, req.from.tag ?? ''));
      if (dialog) dialog.receive(tx, tx.inbound);
      else tx.reply(481); // §12.2.2
      return;
    }
    if (req.method === 'INVITE') {
      if (!this.options.onInvite) {
        tx.reply(480);
        return;
      }
      const invite = new IncomingInvite(this, tx);
      this.options.onInvite(invite, tx.inbound);
      return;
    }
    if (this.options.onRequest?.(tx)) return;
    this.answerDefault(tx);
  }

  /** RFC 3261 §8.2.1–8.2.2: method, URI scheme and Require checks. */
  private checkRequest(tx: ServerTransaction): boolean {
    const req = tx.request;
    if (!this.allow.includes(req.method)) {
      // §8.2.1: 405 for methods we know but do not allow here, 501 for the rest.
      const known = ['REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE', 'PRACK'].includes(req.method);
      tx.reply(known ? 405 : 501, { headers: [['Allow', this.allow.join(', ')]] });
      return false;
    }
    if (!KNOWN_SCHEMES.has(req.uri.scheme)) {
      tx.reply(416); // §8.2.2.1
      return false;
    }
    // Most requests carry no Require: skip building the lists for them.
    const unsupported = req.has('require') ? req.getAll('require').filter((tag) => !this.supported.includes(tag.toLowerCase())) : [];
    if (unsupported.length > 0 && req.method !== 'CANCEL' && req.method !== 'ACK') {
      tx.reply(420, { headers: [['Unsupported', unsupported.join(', ')]] }); // §8.2.2.3
      return false;
    }
    return req.method === 'INVITE' || req.method === 'UPDATE' ? this.checkContent(tx) : true;
  }

  /**
   * §8.2.3: a body we cannot read gets 415 with Accept; §8.2.2/§21.4.7: an Accept that
   * excludes SDP leaves no answer we can give, 406 (RFC 4475 §3.1.1.12, §3.4.2).
   */
  private checkContent(tx: ServerTransaction): boolean {
    const req = tx.request;
    const type = req.contentType;
    if (req.body.length > 0 && type !== undefined && type !== 'application/sdp') {
      tx.reply(415, { headers: [['Accept', 'application/sdp']] });
      return false;
    }
    if (!req.has('accept')) return true;
    const accept = req.getAll('accept').map((a) => (a.split(';')[0] as string).trim().toLowerCase()).filter((a) => a !== '');
    if (accept.length > 0 && !accept.some((a) => a === 'application/sdp' || a === 'application/*' || a === '*/*')) {
      tx.reply(406, { headers: [['Accept', 'application/sdp']] });
      return false;
    }
    return true;
  }

  private answerDefault(tx: ServerTransaction): void {
    const method = tx.request.method;
    if (method === 'OPTIONS') {
      tx.reply(200, { headers: this.capabilityHeaders() }); // §11.2
      return;
    }
    if (method === 'BYE' || method === 'INFO' || method === 'UPDATE' || method === 'NOTIFY') {
      tx.reply(481); // these only make sense inside a dialog
      return;
    }
    tx.reply(405, { headers: [['Allow', this.allow.join(', ')]] });
  }

  private onAck(inbound: Inbound): void {
    const req = inbound.message as SipRequest;
    const toTag = req.to.tag;
    if (toTag === undefined) return;
    this.dialogs.get(dialogKey(req.callId, toTag, req.from.tag ?? ''))?.receiveAck(req);
  }

  /** A 2xx retransmitted after the INVITE transaction ended: ACK it again (§13.2.2.4). */
  private onStrayResponse(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300 || res.cseq.method !== 'INVITE') return;
    const dialog = this.dialogs.get(dialogKey(res.callId, res.from.tag ?? '', res.to.tag ?? ''));
    if (dialog && dialog.role === 'uac') dialog.sendAck(res.cseq.seq);
  }
}

export { IncomingInvite, OutgoingInvite, Dialog };
