/**
 * The UAC side of an INVITE (RFC 3261 §13.2): sends the INVITE, reports provisional
 * responses, creates the dialog from the 2xx (§12.1.2) and ACKs it (§13.2.2.4),
 * re-ACKing retransmitted 2xx; CANCEL before the answer (§9.1).
 */
import { NameAddr, SipRequest, newCallId, newTag, parseNameAddr, parseUri, type SipResponse, type Uri } from '../sip/index.ts';
import type { ClientTransaction } from '../transaction/index.ts';
import type { Endpoint } from '../transport/types.ts';
import { contactFor, viaFor } from './addressing.ts';
import { Dialog } from './dialog.ts';
import type { DialogHost } from './host.ts';

/** Options for an outgoing INVITE. */
export interface InviteOptions {
  /** Where to send it. */
  target: Endpoint;
  /** Request-URI, e.g. `sip:7001@127.0.0.1:5060`. */
  uri: string | Uri;
  /** From address; default `<sip:ccsim@LOCAL>`. A tag is added. */
  from?: string;
  /** To address; default the Request-URI. */
  to?: string;
  /** Extra headers in order (e.g. X- headers), spelt as given. */
  headers?: Array<[string, string | number]>;
  /** SDP offer. */
  sdp?: string;
  /** Call-ID; generated when absent. */
  callId?: string;
}

/** The outcome of an INVITE: the final response and, for 2xx, the dialog. */
export interface InviteResult {
  response: SipResponse;
  dialog: Dialog | undefined;
}

/** An INVITE we sent. */
export class OutgoingInvite {
  readonly request: SipRequest;
  readonly tx: ClientTransaction;
  /** Called for each provisional response. */
  onProvisional: ((res: SipResponse) => void) | undefined;
  /** Resolves with the final response (and dialog for 2xx); never rejects. */
  readonly result: Promise<InviteResult>;
  private dialog: Dialog | undefined;
  private ack: SipRequest | undefined;
  private provisionalSeen = false;
  private cancelWanted = false;
  private resolve!: (r: InviteResult) => void;

  constructor(
    readonly host: DialogHost,
    options: InviteOptions,
  ) {
    this.request = buildInvite(host.local(options.target.protocol), options);
    this.result = new Promise((resolve) => { this.resolve = resolve; });
    this.tx = host.transactions.request(this.request, options.target, {
      onResponse: (res) => this.onResponse(res),
    });
    void this.tx.final.then((res) => {
      if (res.status >= 300) this.resolve({ response: res, dialog: undefined });
    });
  }

  /**
   * Cancels the INVITE (§9.1). Before any provisional response the CANCEL waits for one
   * (§9.1: a CANCEL must not be sent before a provisional response).
   */
  cancel(): void {
    if (this.tx.state === 'terminated' || this.tx.state === 'completed' || this.tx.state === 'accepted') return;
    this.cancelWanted = true;
    if (this.provisionalSeen) this.sendCancel();
  }

  private sendCancel(): void {
    this.cancelWanted = false;
    const req = this.request;
    const cancel = new SipRequest('CANCEL', req.uri);
    cancel.append('Via', req.get('via') as string);
    cancel.append('Max-Forwards', 70);
    for (const h of req.headers) if (h.key === 'route') cancel.append(h.name, h.value);
    cancel.append('From', req.get('from') as string);
    cancel.append('To', req.get('to') as string);
    cancel.append('Call-ID', req.callId);
    cancel.append('CSeq', `${req.cseq.seq} CANCEL`);
    this.host.transactions.request(cancel, this.tx.sentTo);
  }

  private onResponse(res: SipResponse): void {
    if (res.status < 200) {
      this.provisionalSeen = true;
      if (this.cancelWanted) this.sendCancel();
      if (this.onProvisional) this.host.safe(() => this.onProvisional?.(res));
      return;
    }
    if (res.status >= 300) return;
    if (this.dialog) {
      // A retransmitted 2xx: our ACK was lost (§13.2.2.4).
      if (this.ack) this.host.transactions.request(this.ack, this.dialog.nextHop);
      return;
    }
    this.dialog = this.createDialog(res);
    this.host.remember(this.dialog);
    this.ack = this.dialog.sendAck(this.request.cseq.seq);
    this.dialog.acked = true;
    this.resolve({ response: res, dialog: this.dialog });
  }

  /** UAC dialog state from the 2xx (§12.1.2): route set = Record-Route reversed. */
  private createDialog(res: SipResponse): Dialog {
    const req = this.request;
    const to = res.to;
    const remoteTarget = res.contacts[0]?.uri ?? req.uri;
    const routes = res.recordRoutes.map((r) => r.clone()).reverse();
    return new Dialog(
      this.host,
      { callId: req.callId, localTag: req.from.tag ?? '', remoteTag: to.tag ?? '' },
      'uac', req.cseq.seq, undefined,
      req.from, to, remoteTarget, routes, this.tx.sentTo, this.host.local(this.tx.sentTo.protocol),
    );
  }
}

function buildInvite(local: Endpoint, options: InviteOptions): SipRequest {
  const uri = typeof options.uri === 'string' ? parseUri(options.uri) : options.uri;
  const req = new SipRequest('INVITE', uri);
  const from = parseNameAddr(options.from ?? `<sip:ccsim@${contactHost(local)}>`);
  from.params.set('tag', newTag());
  req.append('Via', viaFor(local));
  req.append('Max-Forwards', 70);
  req.append('From', from.toString());
  req.append('To', options.to ?? new NameAddr(uri.clone()).toString());
  req.append('Call-ID', options.callId ?? newCallId());
  req.append('CSeq', `${1 + Math.floor(Math.random() * 1000)} INVITE`);
  req.append('Contact', contactFor(local, 'ccsim'));
  for (const [name, value] of options.headers ?? []) req.append(name, value);
  if (options.sdp !== undefined) {
    req.body = Buffer.from(options.sdp);
    req.append('Content-Type', 'application/sdp');
  }
  return req;
}

function contactHost(local: Endpoint): string {
  return local.address.includes(':') ? `[${local.address}]` : local.address;
}
