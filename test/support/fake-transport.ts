/**
 * An in-memory transport for transaction-layer tests (the `TransactionTransport` part of
 * the RFC 3261 §18 contract in src/transport/types.ts), and builders for test messages
 * written as wire text, so that tests read like traces.
 *
 * The fake records every send with its target and the (manual) time it left, delivers
 * messages injected by the test or sent by a linked peer, and can be told to drop sends
 * (packet loss) or to fail them (transport error, RFC 3261 §8.1.3.1).
 */
import {
  createResponse, newBranch, newTag, parseMessage, serialize, type AnyMessage, type SipRequest, type SipResponse,
} from '../../src/sip/index.ts';
import { ManualClock } from '../../src/transaction/clock.ts';
import { TransactionLayer } from '../../src/transaction/layer.ts';
import type { ServerTransaction } from '../../src/transaction/server.ts';
import type { TimerConfig, TransactionTransport } from '../../src/transaction/types.ts';
import { TransportError } from '../../src/transport/errors.ts';
import type { Endpoint, Inbound, Protocol } from '../../src/transport/types.ts';

/** A request the layer sent, with where it went. */
export interface SentRequest {
  kind: 'request';
  message: SipRequest;
  target: Endpoint;
  /** `clock.now()` at the send, in ms. */
  at: number;
  /** True when the fake lost it on purpose (`drop`). */
  dropped: boolean;
}

/** A response the layer sent, with the inbound request it answers. */
export interface SentResponse {
  kind: 'response';
  message: SipResponse;
  to: Inbound;
  at: number;
  dropped: boolean;
}

/** Anything the layer sent. */
export type Sent = SentRequest | SentResponse;

/** Options of a {@link FakeTransport}. */
export interface FakeTransportOptions {
  /** Protocol of the local endpoint and of injected messages. Default `udp`. */
  protocol?: Protocol;
  /** Our address. Default 192.0.2.1:5060. */
  local?: Omit<Endpoint, 'protocol'>;
  /** Default source of injected messages. Default 192.0.2.10:5060. */
  remote?: Omit<Endpoint, 'protocol'>;
  /** Time source for `Sent.at`; pass the test's `ManualClock`. Default: always 0. */
  clock?: { now(): number };
}

interface Rule {
  action: 'drop' | 'fail';
  remaining: number;
  kind: Sent['kind'] | undefined;
}

/** An in-memory `TransactionTransport`. */
export class FakeTransport implements TransactionTransport {
  /** Every send, in order. */
  readonly sent: Sent[] = [];
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** When true, `sendRequest` reports that it used TCP (the §18.1.1 large-request fallback). */
  tcpFallback = false;
  private readonly handlers: Array<(inbound: Inbound) => void> = [];
  private readonly rules: Rule[] = [];
  private readonly clock: { now(): number };
  private peer: FakeTransport | undefined;

  constructor(options: FakeTransportOptions = {}) {
    const protocol = options.protocol ?? 'udp';
    this.local = { protocol, ...(options.local ?? { address: '192.0.2.1', port: 5060 }) };
    this.remote = { protocol, ...(options.remote ?? { address: '192.0.2.10', port: 5060 }) };
    this.clock = options.clock ?? { now: () => 0 };
  }

  onMessage(handler: (inbound: Inbound) => void): void {
    this.handlers.push(handler);
  }

  sendRequest(req: SipRequest, target: Endpoint): Promise<Endpoint> {
    const rule = this.take('request');
    this.sent.push({ kind: 'request', message: req, target, at: this.clock.now(), dropped: rule === 'drop' });
    if (rule === 'fail') return Promise.reject(new TransportError('send_failed', `send failed [${target.address}]`));
    if (rule !== 'drop') this.deliver(req);
    return Promise.resolve(this.tcpFallback ? { ...target, protocol: 'tcp' } : target);
  }

  sendResponse(res: SipResponse, to: Inbound): Promise<void> {
    const rule = this.take('response');
    this.sent.push({ kind: 'response', message: res, to, at: this.clock.now(), dropped: rule === 'drop' });
    if (rule === 'fail') return Promise.reject(new TransportError('send_failed', 'send failed [response]'));
    if (rule !== 'drop') this.deliver(res);
    return Promise.resolve();
  }

  /** The next `count` sends (of `kind`, or any) are recorded but never delivered. */
  drop(count: number, kind?: Sent['kind']): this {
    this.rules.push({ action: 'drop', remaining: count, kind });
    return this;
  }

  /** The next `count` sends (of `kind`, or any) reject with a `TransportError`. */
  fail(count = Infinity, kind?: Sent['kind']): this {
    this.rules.push({ action: 'fail', remaining: count, kind });
    return this;
  }

  /** Delivers a message as if it arrived from `source` (default: the remote endpoint). */
  inject(message: string | AnyMessage, source: Partial<Endpoint> = {}): Inbound {
    const msg = typeof message === 'string' ? parse(message) : message;
    const inbound: Inbound = {
      message: msg,
      source: { ...this.remote, ...source },
      local: this.local,
      receivedAt: this.clock.now(),
    };
    for (const h of this.handlers) h(inbound);
    return inbound;
  }

  /** Connects two fakes: each one's sends arrive at the other, a microtask later, re-parsed. */
  link(peer: FakeTransport): void {
    this.peer = peer;
    peer.peer = this;
  }

  /** Requests sent, optionally only those of `method`. */
  requests(method?: string): SipRequest[] {
    return this.sent.flatMap((s) => (s.kind === 'request' && (!method || s.message.method === method) ? [s.message] : []));
  }

  /** Responses sent, optionally only those with `status`. */
  responses(status?: number): SipResponse[] {
    return this.sent.flatMap((s) => (s.kind === 'response' && (!status || s.message.status === status) ? [s.message] : []));
  }

  /** Times (`clock.now()`) of the sends that match `pred`. */
  times(pred: (s: Sent) => boolean): number[] {
    return this.sent.filter(pred).map((s) => s.at);
  }

  /** Forgets what was sent so far. */
  clear(): void {
    this.sent.length = 0;
  }

  private take(kind: Sent['kind']): Rule['action'] | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.kind === undefined || r.kind === kind));
    if (!rule) return undefined;
    rule.remaining--;
    return rule.action;
  }

  private deliver(msg: AnyMessage): void {
    const peer = this.peer;
    if (!peer) return;
    // A copy through the wire format, so that neither side sees the other's objects.
    const copy = parse(serialize(msg));
    queueMicrotask(() => peer.inject(copy, this.local));
  }
}

/** Lets queued deliveries and promise callbacks (send results, errors) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wire text from a readable trace of a body-less message: each line trimmed, blank lines
 * dropped, CRLF line ends, and the blank line that ends the headers (RFC 3261 §7) added.
 */
export function wire(text: string): Buffer {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Parses wire text (see {@link wire}) or bytes. @throws Error when it does not parse */
export function parse(text: string | Buffer): AnyMessage {
  const result = parseMessage(typeof text === 'string' ? wire(text) : text);
  if (!result.ok) throw new Error(`test message does not parse: ${result.error.message}`);
  return result.message;
}

/** What a test request is made of; every field has a default. */
export interface RequestSpec {
  /** Top Via branch; `null` for an RFC 2543 Via without branch. Default: a new one. */
  branch?: string | null;
  /** Via sent-by, e.g. `192.0.2.10:5060`. */
  sentBy?: string;
  /** Via transport token. Default UDP. */
  transport?: string;
  uri?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  /** Extra header lines, e.g. `Route: <sip:proxy;lr>`. */
  headers?: string[];
}

/** A request built from wire text. */
export function request(method: string, spec: RequestSpec = {}): SipRequest {
  const branch = spec.branch === null ? '' : `;branch=${spec.branch ?? newBranch()}`;
  const toTag = spec.toTag ? `;tag=${spec.toTag}` : '';
  const msg = parse(`
    ${method} ${spec.uri ?? 'sip:7001@192.0.2.1'} SIP/2.0
    Via: SIP/2.0/${spec.transport ?? 'UDP'} ${spec.sentBy ?? '192.0.2.10:5060'}${branch}
    Max-Forwards: 70
    From: <sip:caller@cc.example.com>;tag=${spec.fromTag ?? 'f1'}
    To: <sip:7001@gw.example.com>${toTag}
    Call-ID: ${spec.callId ?? 'call-1@cc.example.com'}
    CSeq: ${spec.cseq ?? 1} ${method}
    ${(spec.headers ?? []).join('\n')}
    Content-Length: 0
  `);
  return msg as SipRequest;
}

/** An INVITE. */
export const invite = (spec?: RequestSpec): SipRequest => request('INVITE', spec);
/** An OPTIONS. */
export const options = (spec?: RequestSpec): SipRequest => request('OPTIONS', spec);
/** A BYE (in-dialog: pass `toTag`). */
export const bye = (spec?: RequestSpec): SipRequest => request('BYE', { cseq: 2, ...spec });

/** The CANCEL for `inv` (RFC 3261 §9.1): same Request-URI, Call-ID, From, To, CSeq number and top Via. */
export function cancelFor(inv: SipRequest): SipRequest {
  return copyOf(inv, 'CANCEL', inv.get('via') as string, inv.get('to') as string);
}

/**
 * The ACK for a final response to `inv`. For a non-2xx it has the INVITE's top Via
 * (§17.1.1.3); for a 2xx pass a new `branch` (§13.2.2.4: a transaction of its own).
 */
export function ackFor(inv: SipRequest, res: SipResponse, branch?: string): SipRequest {
  const top = inv.via.clone();
  if (branch !== undefined) top.params.set('branch', branch);
  return copyOf(inv, 'ACK', top.toString(), res.get('to') as string);
}

function copyOf(inv: SipRequest, method: string, via: string, to: string): SipRequest {
  return parse(`
    ${method} ${inv.uri.toString()} SIP/2.0
    Via: ${via}
    Max-Forwards: 70
    From: ${inv.get('from') as string}
    To: ${to}
    Call-ID: ${inv.callId}
    CSeq: ${inv.cseq.seq} ${method}
    Content-Length: 0
  `) as SipRequest;
}

/** A response to `req` as its UAS would send it; a To tag is added for status > 100. */
export function responseTo(req: SipRequest, status: number, toTag: string = newTag()): SipResponse {
  return createResponse(req, status, undefined, toTag);
}

/** A new RFC 3261 branch (re-exported so tests need one import). */
export { newBranch };

/** A layer on a fake transport and a manual clock, with what reached its TU recorded. */
export interface Harness {
  clock: ManualClock;
  transport: FakeTransport;
  layer: TransactionLayer;
  /** Server transactions handed to `tu.onRequest`, in order. */
  requests: ServerTransaction[];
  /** ACKs handed to `tu.onAck` (ACKs for 2xx). */
  acks: Inbound[];
  /** Responses handed to `tu.onStrayResponse`. */
  strays: SipResponse[];
  /** Errors given to `onError`. */
  errors: unknown[];
}

/** Options of {@link harness}. */
export interface HarnessOptions {
  protocol?: Protocol;
  timers?: Partial<TimerConfig>;
  /** The TU's answer to each new request (after it is recorded). */
  onRequest?: (tx: ServerTransaction) => void;
}

/** Builds a {@link Harness}: a `TransactionLayer` with a `ManualClock` over a `FakeTransport`. */
export function harness(opts: HarnessOptions = {}): Harness {
  const clock = new ManualClock();
  const transport = new FakeTransport({ protocol: opts.protocol ?? 'udp', clock });
  const h: Omit<Harness, 'layer'> = { clock, transport, requests: [], acks: [], strays: [], errors: [] };
  const layer = new TransactionLayer(transport, {
    onRequest: (tx) => {
      h.requests.push(tx);
      opts.onRequest?.(tx);
    },
    onAck: (inbound) => { h.acks.push(inbound); },
    onStrayResponse: (res) => { h.strays.push(res); },
  }, { clock, timers: opts.timers, onError: (err) => { h.errors.push(err); } });
  return { ...h, layer };
}

/** A layer on a transport that keeps nothing, for heap tests (the fake one logs every send, and with it the request). */
export interface SilentLayer {
  layer: TransactionLayer;
  clock: ManualClock;
  /** Hands a message to the layer as if it came from `peer` to `local`. */
  deliver(message: AnyMessage): void;
  peer: Endpoint;
}

/** A {@link SilentLayer} whose TU's `onRequest` is given (default: answers nothing). */
export function silentLayer(onRequest: (tx: ServerTransaction) => void = () => {}): SilentLayer {
  let handler: (inbound: Inbound) => void = () => {};
  const peer: Endpoint = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
  const local: Endpoint = { protocol: 'udp', address: '192.0.2.1', port: 5060 };
  const transport: TransactionTransport = {
    onMessage(h) { handler = h; },
    sendRequest: () => Promise.resolve(peer),
    sendResponse: () => Promise.resolve(),
  };
  const clock = new ManualClock();
  const layer = new TransactionLayer(transport, { onRequest }, { clock });
  return { layer, clock, peer, deliver: (message) => handler({ message, source: peer, local, receivedAt: 0 }) };
}
