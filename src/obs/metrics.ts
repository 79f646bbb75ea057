/**
 * Prometheus metrics on a registry of our own (never the global one, so tests can
 * make many). Callers go through typed methods that keep every label bounded.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { isErrorCode } from './errors.ts';
import { LeanHistogram } from './lean-histogram.ts';
import { PendingCounts } from './pending-counts.ts';
import { CALL_OUTCOMES, CappedLabel, OTHER, methodLabel, oneOf, statusLabel } from './labels.ts';
import type { CallOutcome } from './labels.ts';

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Also collect Node's default process metrics (`process_*`, `nodejs_*`). Default false. */
  collectDefault?: boolean;
  /** Labels on every series, e.g. `{ node: 'gw-1' }` in a cluster. Default none. */
  defaultLabels?: Record<string, string>;
}

/** The media clock's running totals, as {@link Metrics.watchMediaClock} reads them at each scrape. */
export interface MediaClockCounts {
  /** Ticks dispatched. */
  ticks: number;
  /** Ticks skipped after a stall longer than the clock catches up (no stream sent those packets). */
  skipped: number;
  /** Stalls the schedule followed, to slew back to its grid after. */
  slews: number;
  /** The event loop's busy share as the clock sees it (0-1, moving average). */
  busy: number;
  /** Scavenges run in the slack after a tick (src/lib/gc-steer.ts; absent without `--expose-gc`). */
  scavenges?: number;
  /** Scavenges that were due but did not fit a tick's slack (V8 may then run its own). */
  scavengesNoRoom?: number;
  /** Datagrams the native RTP poller read (src/media/rtp-poller.ts; absent on node:dgram). */
  rtpPolled?: number;
  /** Polls that left datagrams for the next tick: more arrived in a period than one poll reads. */
  rtpPollOverflows?: number;
  /** Packets the RTP pacer's thread sent at their ticks' due times (src/media/rtp-pacer.ts; absent without it). */
  rtpPaced?: number;
  /** Ticks whose packets the pacer could not take (its thread that many ticks behind): sent at once. */
  rtpPacerOverruns?: number;
}

/** Direction of media or signalling relative to Agentline. */
export type Direction = 'in' | 'out';

/** Buckets for RTP interarrival jitter, in milliseconds. */
export const JITTER_BUCKETS_MS: readonly number[] = [0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320];
/** Buckets for store operations, in seconds. */
export const STORE_BUCKETS_S: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Buckets for HTTP request durations, in seconds (long tail for `wait=`). */
export const HTTP_BUCKETS_S: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The process's metrics. Every method is cheap; none allocates label objects per call for fixed labels. */
export class Metrics {
  /** The registry behind `/metrics`. */
  readonly registry: Registry;
  readonly #routes = new CappedLabel();
  readonly #ops = new CappedLabel();
  readonly #parseKinds = new CappedLabel(32);
  #active = 0;
  /** Hot-path counts, handed to their counters when scraped (see pending-counts.ts). */
  readonly #pending = {
    calls: new PendingCounts(), sipAnswers: new PendingCounts(), sipRequests: new PendingCounts(),
    sipResponses: new PendingCounts(), rtpPackets: new PendingCounts(), rtpLost: new PendingCounts(),
    httpRequests: new PendingCounts(),
  };

  readonly #activeCalls: Gauge;
  readonly #sipRetransmissions: Counter;
  readonly #sipParseErrors: Counter<'kind'>;
  // Histograms observed per call or per request: LeanHistogram (prom-client's hashes a label object each time).
  readonly #rtpJitter: LeanHistogram;
  readonly #httpDuration: LeanHistogram;
  readonly #storeOps: LeanHistogram;
  readonly #handoffRecords: Counter;
  readonly #walFrames: Gauge;
  readonly #checkpoints: Counter<'result'>;
  readonly #errors: Counter<'code'>;
  #mediaClock: (() => MediaClockCounts) | undefined;

  /** @param options see {@link MetricsOptions} */
  constructor(options: MetricsOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels !== undefined) this.registry.setDefaultLabels(options.defaultLabels);
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (this: Counter<L>) => void) =>
      new Counter<L>({ name, help, labelNames, registers, ...(collect === undefined ? {} : { collect }) });
    // A counter fed from `PendingCounts`: its labels, in order, are the pending counts' (a, b).
    const batched = <L extends string>(name: string, help: string, labelNames: readonly L[], pending: PendingCounts) =>
      counter(name, help, labelNames, function collect() {
        pending.drain((a, b, n) => {
          const [first, second] = labelNames;
          if (first === undefined) return this.inc(n);
          const labels: Partial<Record<L, string>> = {};
          labels[first] = a;
          if (second !== undefined) labels[second] = b;
          this.inc(labels, n);
        });
      });
    const p = this.#pending;
    batched('agentline_calls_total', 'Calls by how they ended.', ['outcome'], p.calls);
    this.#activeCalls = new Gauge({ name: 'agentline_active_calls', help: 'Calls in progress.', registers });
    batched('agentline_sip_answers_total', 'Final responses to inbound INVITEs, by status.', ['code'], p.sipAnswers);
    batched('agentline_sip_requests_total', 'SIP requests by method and direction (in = received).', ['method', 'direction'], p.sipRequests);
    batched('agentline_sip_responses_total', 'SIP responses by status and direction (in = received).', ['code', 'direction'], p.sipResponses);
    this.#sipRetransmissions = counter('agentline_sip_retransmissions_total', 'SIP retransmissions sent or absorbed.');
    this.#sipParseErrors = counter('agentline_sip_parse_errors_total', 'Unparseable SIP messages by kind.', ['kind']);
    batched('agentline_rtp_packets_total', 'RTP packets by direction.', ['direction'], p.rtpPackets);
    batched('agentline_rtp_lost_total', 'Inbound RTP packets lost (sequence gaps, late drops).', [], p.rtpLost);
    const registry = this.registry;
    this.#rtpJitter = new LeanHistogram({ name: 'agentline_rtp_jitter_ms', help: 'Per-call interarrival jitter at call end (RFC 3550 §6.4.1), ms.', buckets: JITTER_BUCKETS_MS, registry });
    batched('agentline_http_requests_total', 'HTTP requests by route template and status.', ['route', 'code'], p.httpRequests);
    this.#httpDuration = new LeanHistogram({ name: 'agentline_http_request_duration_seconds', help: 'HTTP request duration by route template, s.', labelName: 'route', buckets: HTTP_BUCKETS_S, registry });
    this.#storeOps = new LeanHistogram({ name: 'agentline_store_op_duration_seconds', help: 'Store operation duration by operation, s.', labelName: 'op', buckets: STORE_BUCKETS_S, registry });
    this.#handoffRecords = counter('agentline_handoff_records_total', 'Handoff records written.');
    this.#walFrames = new Gauge({ name: 'agentline_store_wal_frames', help: 'SQLite WAL frames at the last checkpoint (stays low while checkpoints keep up).', registers });
    this.#checkpoints = counter('agentline_store_checkpoints_total', 'SQLite WAL checkpoints by result: full (the WAL can start over), partial, busy.', ['result']);
    this.#errors = counter('agentline_errors_total', 'Errors by catalogue code.', ['code']);
    this.#clockCounter('agentline_media_clock_ticks_total', 'Media clock ticks (each sends every live stream\'s packet).', 'ticks');
    this.#clockCounter('agentline_media_clock_skipped_ticks_total', 'Media clock ticks skipped after a stall too long to catch up: packets never sent (the host took the CPU, or the loop is saturated).', 'skipped');
    this.#clockCounter('agentline_media_clock_slews_total', 'Stalls the media clock followed and slewed back from (a tick over 1 ms late, or a pause in its prepare or send pass).', 'slews');
    this.#clockCounter('agentline_media_clock_scavenges_total', 'Young-generation collections run in the slack after a media tick (needs --expose-gc).', 'scavenges');
    this.#clockCounter('agentline_media_clock_scavenges_no_room_total', 'Young-generation collections that were due after a media tick but did not fit its slack.', 'scavengesNoRoom');
    this.#clockCounter('agentline_rtp_native_datagrams_total', 'RTP datagrams read by the native poller once per media tick (rtp.io native; absent on node:dgram).', 'rtpPolled');
    this.#clockCounter('agentline_rtp_native_poll_overflows_total', 'Native RTP polls that left datagrams for the next tick (more arrived in a period than one poll reads).', 'rtpPollOverflows');
    this.#clockCounter('agentline_rtp_paced_packets_total', 'RTP packets the pacer thread sent at their ticks\' due times (rtp.pacer).', 'rtpPaced');
    this.#clockCounter('agentline_rtp_pacer_overruns_total', 'Media ticks whose packets the pacer thread could not take (it was that many ticks behind): sent at once.', 'rtpPacerOverruns');
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- read inside prom-client's collect, where `this` is the gauge
    const self = this;
    new Gauge({
      name: 'agentline_media_clock_busy_ratio', help: 'Event-loop busy share as the media clock sees it (moving average; above 0.9 it stops its precise sleeps).', registers,
      collect() { const c = self.#mediaClock?.(); if (c !== undefined) this.set(c.busy); },
    });
    this.#activeCalls.set(0);
    if (options.collectDefault === true) collectDefaultMetrics({ register: this.registry });
  }

  /** Content-Type of {@link render}'s output (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for `GET /metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** A call was answered and is now live. */
  callStarted(): void {
    this.setActiveCalls(this.#active + 1);
  }

  /** A live call ended. Unknown outcomes count as `other`. */
  callEnded(outcome: CallOutcome): void {
    this.setActiveCalls(this.#active - 1);
    this.#pending.calls.add(oneOf(CALL_OUTCOMES, outcome), '', 1);
  }

  /** A call was refused before it went live (counts outcome `rejected`, gauge unchanged). */
  callRejected(): void {
    this.#pending.calls.add('rejected', '', 1);
  }

  /** Sets the live-call gauge (never below 0), e.g. from the call registry's size. */
  setActiveCalls(count: number): void {
    this.#active = Math.max(0, Math.trunc(count));
    this.#activeCalls.set(this.#active);
  }

  /** A final response we sent to an inbound INVITE (200, 403, 404, 486, 488, 503...). */
  sipAnswer(status: number): void {
    this.#pending.sipAnswers.add(statusLabel(status, 200), '', 1);
  }

  /** A SIP request received (`in`, default) or sent (`out`); unknown methods count as `other`. */
  sipRequest(method: string, direction: Direction = 'in'): void {
    this.#pending.sipRequests.add(methodLabel(method), direction, 1);
  }

  /** A SIP response sent (`out`, default) or received (`in`). */
  sipResponse(status: number, direction: Direction = 'out'): void {
    this.#pending.sipResponses.add(statusLabel(status), direction, 1);
  }

  /** A retransmission sent or absorbed (RFC 3261 §17). */
  sipRetransmission(): void {
    this.#sipRetransmissions.inc();
  }

  /** A SIP message that failed to parse; `kind` is a short stable reason (capped set). */
  sipParseError(kind: string): void {
    this.#sipParseErrors.inc({ kind: this.#parseKinds.value(kind) });
  }

  /** RTP packets received (`in`) or sent (`out`); batch them (e.g. per call per second). */
  rtpPackets(direction: Direction, count = 1): void {
    if (count > 0) this.#pending.rtpPackets.add(direction, '', count);
  }

  /** Inbound RTP packets lost. */
  rtpLost(count = 1): void {
    if (count > 0) this.#pending.rtpLost.add('', '', count);
  }

  /** One call's interarrival jitter in milliseconds. */
  rtpJitter(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.#rtpJitter.observe('', ms);
  }

  /**
   * An HTTP request finished.
   * @param route the route template (`/v1/:account/:project/handoff_state`), never the raw URL
   * @param status HTTP status
   * @param seconds duration, measured by the caller
   */
  httpRequest(route: string, status: number, seconds: number): void {
    const label = this.#routes.value(route);
    this.#pending.httpRequests.add(label, statusLabel(status, 100, 599), 1);
    if (Number.isFinite(seconds) && seconds >= 0) this.#httpDuration.observe(label, seconds);
  }

  /** A store operation took `seconds` (`op`: e.g. `put_record`, `get_record`; capped set). */
  storeOp(op: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.#storeOps.observe(this.#ops.value(op), seconds);
  }

  /** A handoff record was written. */
  handoffRecord(): void {
    this.#handoffRecords.inc();
  }

  /** A WAL checkpoint ran (the store's checkpoint worker). */
  checkpoint(result: { busy: boolean; walFrames: number; checkpointed: number }): void {
    if (result.walFrames >= 0) this.#walFrames.set(result.walFrames);
    const full = !result.busy && result.checkpointed === result.walFrames;
    this.#checkpoints.inc({ result: result.busy ? 'busy' : full ? 'full' : 'partial' });
  }

  /** Reads the media clock's totals at each scrape (the gateway's one clock). */
  watchMediaClock(read: () => MediaClockCounts): void {
    this.#mediaClock = read;
  }

  /** A counter that follows one of the media clock's running totals. */
  #clockCounter(name: string, help: string, key: Exclude<keyof MediaClockCounts, 'busy'>): void {
    let seen = 0;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- read inside prom-client's collect, where `this` is the counter
    const self = this;
    new Counter({
      name, help, registers: [this.registry],
      collect() {
        const total = self.#mediaClock?.()[key];
        if (total === undefined || total <= seen) return;
        this.inc(total - seen);
        seen = total;
      },
    });
  }

  /** An error by its catalogue code (the metric label of STYLE.md principle 4); unknown codes count as `other`. */
  error(code: string): void {
    this.#errors.inc({ code: isErrorCode(code) ? code : OTHER });
  }
}
