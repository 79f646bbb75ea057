/**
 * Public types of the contact-center emulator (ARCHITECTURE.md "Contact-center emulator"):
 * what a Five9-like IVR script sets (call variables → INVITE headers), what the caller
 * side does (the caller script), what comes back (BYE headers → variables, the Query
 * module's branches, the Case step's decision) and the load mode's summary.
 * Contracts only; the logic lives in the other files of `src/ccsim/`.
 */

/** A JSON value as the Handoff API returns it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Where the gateway listens. */
export interface GatewayTarget {
  /** Host or IP literal of the gateway's SIP listener. */
  host: string;
  /** SIP port. */
  port: number;
  /** Transport for SIP. Default `udp`. */
  protocol?: 'udp' | 'tcp';
}

/**
 * *Set Variable*: the call variables a Five9 script turns into X-headers before a
 * *Third Party Transfer*.
 */
export interface CallVariables {
  /** Request-URI user part (`sip:<extension>@gw`). Default: the DNIS, else `agent`. */
  extension?: string;
  /** Agent token sent in the token header (routing by token instead of extension). */
  token?: string;
  /** The contact center's session id (the Handoff API's `shared_id`). Default: generated. */
  sessionId?: string;
  /** Caller number (ANI): sent in the ANI header and as the From user. */
  ani?: string;
  /** Dialled number (DNIS), sent in the DNIS header. */
  dnis?: string;
  /** Other custom headers, in order, spelt as given. */
  headers?: ReadonlyArray<readonly [string, string]>;
}

/** Names of the headers the script sets; each keeps the exact spelling given. */
export interface HeaderNames {
  /** Default `X-PolyAi-Auth-Token`. */
  token: string;
  /** Default `X-five9sessionid`. */
  sessionId: string;
  /** Default `X-ANI`. */
  ani: string;
  /** Default `X-DNIS`. */
  dnis: string;
}

/** What the caller plays into the call. */
export type AudioSpec =
  | { kind: 'silence' }
  /** A WAV file (PCM16 8/16 kHz or G.711, mono), played once, then silence. */
  | { kind: 'wav'; path: string }
  /** A continuous sine at `hz`; `amplitude` in linear 16-bit units (default 8000). */
  | { kind: 'tone'; hz: number; amplitude?: number };

/** How digits reach the gateway. */
export type DtmfMode = 'rfc4733' | 'info' | 'both';

/** Digits pressed at a time after the answer. */
export interface DigitPress {
  /** One or more of `0-9 * # A-D`. */
  digits: string;
  /** Time after the 200 OK, ms. */
  atMs: number;
}

/** The caller side of the call (*Third Party Transfer* media). */
export interface CallerScript {
  /** What the caller plays. Default silence. */
  audio?: AudioSpec;
  /** Digits to press. Default none. */
  presses?: readonly DigitPress[];
  /** RFC 4733 events, SIP INFO `application/dtmf-relay`, or both. Default `rfc4733`. */
  dtmfMode?: DtmfMode;
  /** Hang up this long after the answer, ms. Default: wait for the agent's BYE. */
  hangupAfterMs?: number;
  /** Guard: hang up (outcome `timeout`) when the agent has not ended the call by then, ms. Default 60000. */
  maxCallMs?: number;
  /** Record what the caller hears to this WAV file (PCM16 8 kHz mono). */
  recordPath?: string;
  /** Also look for this frequency (Goertzel) in what the caller hears, Hz. */
  detectHz?: number;
}

/** Names of the BYE headers that become the `contained` and `destination` variables. */
export interface ByeHeaderNames {
  /** Default `X-contained`. */
  contained: string;
  /** Default `X-destination`. */
  destination: string;
}

/** The *Query module*: the Handoff API request and its retry policy. */
export interface QueryOptions {
  /** Base URL of the Handoff API, e.g. `http://127.0.0.1:8080`. */
  apiBase: string;
  /** Sent as `x-api-key`. */
  apiKey?: string;
  /** `account_id` path segment (tenant id or slug). */
  account: string;
  /** `project_id` path segment (agent id or slug). */
  project: string;
  /** Per-attempt timeout, ms. Default 2000. */
  timeoutMs?: number;
  /**
   * Retries after the first attempt: on 5xx, timeout, connection error, and 429 with
   * `Retry-After` (no other 4xx). Default 2.
   */
  retries?: number;
  /** First backoff, ms, doubled at each retry (a 429's `Retry-After` replaces it). Default 250. */
  backoffMs?: number;
  /** Most a 429's `Retry-After` makes the module wait before its retry, ms. Default 5000. */
  maxRetryAfterMs?: number;
  /** Adds `&wait=SECONDS` (Agentline's extension: hold until the record exists). Default none. */
  waitSec?: number;
}

/** The *Case* step's configuration. */
export interface RoutingOptions {
  /** Skill for a call whose destination is unknown (API failed and no BYE destination). Default `default`. */
  defaultSkill?: string;
  /** Skill per destination; a destination not listed is used as the skill name. */
  skills?: Readonly<Record<string, string>>;
}

/** Everything one emulated call does. */
export interface CallOptions {
  variables?: CallVariables;
  /** Header names; each defaults as in {@link HeaderNames}. */
  headerNames?: Partial<HeaderNames>;
  /** Most custom headers the contact center sends. Default 10 (Five9's limit). */
  maxCustomHeaders?: number;
  script?: CallerScript;
  byeHeaders?: Partial<ByeHeaderNames>;
  /** Without it the Query module is skipped and the Case step routes on the BYE headers. */
  query?: QueryOptions;
  routing?: RoutingOptions;
}

/** Why a Query failed. */
export type QueryFailureKind = 'connection' | 'timeout' | 'http_4xx' | 'http_5xx' | 'invalid_response';

/** The Query module's branch. */
export type QueryBranch = 'success' | 'error' | 'timeout' | 'skipped';

/** One HTTP attempt. */
export interface QueryAttempt {
  /** HTTP status, when a response came. */
  status?: number;
  /** Set when the attempt failed. */
  kind?: QueryFailureKind;
  /** Time to the answer or failure, ms. */
  latencyMs: number;
  /** What happened, for a person. */
  detail: string;
  /** A 429's `Retry-After`: the wait before the next attempt, ms (capped by `maxRetryAfterMs`). */
  retryAfterMs?: number;
}

/** The Handoff API's record as returned. */
export interface HandoffState {
  id?: string;
  shared_id?: string;
  data: JsonObject;
}

/** What the Query module did and which branch it took. */
export interface QueryResult {
  branch: QueryBranch;
  /** Why this branch, for a person. */
  reason: string;
  /** The URL asked (no key). */
  url?: string;
  /** Last HTTP status seen. */
  status?: number;
  /** The API's error code (`{ "error": { "code" } }`), when it sent one. */
  errorCode?: string;
  /** Why the last attempt failed (error and timeout branches). */
  kind?: QueryFailureKind;
  attempts: QueryAttempt[];
  /** From the first request to the branch, ms (retries and backoff included). */
  latencyMs: number;
  /** The record (success branch). */
  handoff?: HandoffState;
}

/** Where the Case step's decision came from. */
export type DecisionSource = 'handoff_api' | 'bye_headers' | 'default' | 'caller';

/** The *Case* step: what the IVR script does with the caller next. */
export interface Decision {
  /** `end`: the call is over (contained, or the caller left); `transfer`: to a skill. */
  action: 'end' | 'transfer';
  /** The skill transferred to. */
  skill?: string;
  /** The agent's logical destination. */
  destination?: string;
  contained?: boolean;
  source: DecisionSource;
  /** Why, for a person. */
  reason: string;
  /** The handoff data (from the API). */
  data?: JsonObject;
}

/** How the call ended. */
export type CallEnd = 'agent' | 'caller' | 'timeout' | 'aborted' | 'not_answered' | 'error';

/** What the caller heard and sent. */
export interface MediaReport {
  packetsSent: number;
  packetsReceived: number;
  /** True when the caller heard audio above the threshold (see `AudioMeter`). */
  heard: boolean;
  /** Time with audio above the threshold, ms. */
  activeMs: number;
  /** Loudest 20 ms frame, dBFS (−100 for digital silence). */
  peakDbfs: number;
  /** The Goertzel check, when `detectHz` was set. */
  tone?: { hz: number; heard: boolean; activeMs: number };
  /** Digits as sent: how and the SIP status of the INFO. */
  dtmf: Array<{ digits: string; mode: 'rfc4733' | 'info'; atMs: number; status?: number }>;
  /** The recording, when asked. */
  recording?: { path: string; durationMs: number };
}

/** A mid-call request from the gateway (re-INVITE or UPDATE) and how the caller answered it. */
export interface SessionUpdate {
  method: 'INVITE' | 'UPDATE';
  /**
   * Our final status: 200; 488 for an offer we cannot take (the session stays as it was),
   * 491 while an offer of ours waits for its answer, 422 for a `Session-Expires` below 90 s.
   */
  status: number;
  /**
   * The SDP exchange: `answer` (the request's offer, answered in the 200), `offer` (a
   * re-INVITE without SDP: our offer in the 200, the gateway's answer in the ACK), `none`
   * (an UPDATE without SDP, a pure session refresh; or a refusal).
   */
  sdp: 'answer' | 'offer' | 'none';
  /** Our media direction after it: `recvonly` while the gateway holds the call. */
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** The `Session-Expires` we answered (RFC 4028 §9), when the request carried one. */
  sessionExpires?: string;
  /** Time after the INVITE's 200 OK, ms. */
  atMs: number;
}

/** A problem on the way that did not stop the call. */
export interface CallIssue {
  code: string;
  message: string;
}

/** Everything about one emulated call. */
export interface CallReport {
  sessionId: string;
  callId: string;
  invite: { uri: string; headers: Array<[string, string]> };
  /** The INVITE's final status and reason; `setupMs` from sending to it. */
  answer: { status: number; reason: string; setupMs: number };
  ended: CallEnd;
  /** From the answer to the end, ms. */
  durationMs: number;
  /** The agent's BYE, when it sent one: every header, as received. */
  bye?: { headers: Array<[string, string]> };
  /** The call variables set from the BYE's X-headers. */
  variables: Record<string, string>;
  media?: MediaReport;
  /** Re-INVITEs and UPDATEs from the gateway (hold, resume, session refresh), in order. */
  sessionUpdates: SessionUpdate[];
  query: QueryResult;
  decision: Decision;
  issues: CallIssue[];
}

/** Load mode's bounds. */
export interface LoadOptions {
  /** Calls to place. */
  calls: number;
  /** New calls per second. */
  rate: number;
  /** Most calls in progress at once. */
  concurrency: number;
  /** Hard bound: calls still running then are aborted, calls not started are skipped, ms. */
  maxDurationMs: number;
  /** The options of call `i` (0-based). */
  callOptions(index: number): CallOptions;
  /** Called about every `progressEveryMs` and at the end. */
  onProgress?(progress: LoadProgress): void;
  /** Progress period, ms. Default 500. */
  progressEveryMs?: number;
  /** Stops the run early, as reaching `maxDurationMs` does (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

/** A live view of a load run. */
export interface LoadProgress {
  started: number;
  running: number;
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
}

/** Percentiles of a latency, ms. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The closing summary of a load run. */
export interface LoadSummary {
  calls: number;
  started: number;
  /** Answered 2xx and ended without error (agent BYE or scripted hangup). */
  completed: number;
  failed: number;
  /** Not started within the time bound. */
  skipped: number;
  elapsedMs: number;
  /** Calls started per second, measured from the first start to the last. */
  rateAchieved: number;
  /** Count per INVITE final status. */
  answers: Record<string, number>;
  /** Count per how the call ended. */
  ended: Record<string, number>;
  /** Count per decision: `end`, `transfer:<skill>`. */
  decisions: Record<string, number>;
  /** Count per Query branch. */
  queryBranches: Record<string, number>;
  setupMs: Percentiles;
  handoffFetchMs: Percentiles;
  audio: { heard: number; silent: number };
  /** Count per error kind (`sip_404`, `query_timeout`, `query_connection`, `query_http_503`, `call_timeout`, …). */
  errors: Record<string, number>;
}
