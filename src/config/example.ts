/**
 * The commented example `agentline.yaml` that `agentline init` writes. Every
 * value shown is the default unless the comment says otherwise, so the file
 * documents the schema; a test loads it back through the real loader.
 */

const EXAMPLE = `# agentline.yaml: Agentline SIP gateway configuration.
# Every key is optional; the values shown are the defaults unless noted.
# Unknown keys are errors, so a typo is reported rather than ignored.
# Environment variables override this file (AGENTLINE_SIP_PORT, AGENTLINE_ADMIN_KEY,
# AGENTLINE_DB, AGENTLINE_REDIS_URL, AGENTLINE_PUBLIC_ADDRESS, ...).

sip:
  host: 127.0.0.1          # bind address; 0.0.0.0 or :: to listen on every interface
  port: 5060               # UDP and TCP
  udp: true
  tcp: true
  # publicAddress: 203.0.113.10   # advertised in Via/Contact when behind NAT
  # tls:                          # TLS listener, off unless given
  #   port: 5061
  #   cert: /etc/agentline/tls/cert.pem
  #   key: /etc/agentline/tls/key.pem
  # io: auto               # UDP socket: native (the addon npm install builds), dgram (node:dgram), auto: native when built

rtp:
  host: 127.0.0.1          # bind address; a specific one (not 0.0.0.0) lets each call's socket connect to its peer
  # publicAddress: 203.0.113.10   # advertised in SDP
  portMin: 20000           # one UDP port per call from this range
  portMax: 29999
  # recordDir: ./data/recordings   # record every call: stereo WAV, caller left, gateway right; unset: off
  # io: auto               # RTP sockets: native (the addon npm install builds), dgram (node:dgram), auto: native when built
  # pacer:                 # native only: a thread sends each tick's packets at its due time
  #   enabled: true
  #   leadMs: 20           # how far ahead the event loop builds a tick (1-40): what a pause may last
  #   priority: 10         # 1-99: realtime (SCHED_FIFO) when the process has CAP_SYS_NICE; 0: normal

http:                      # Handoff API, admin API, /metrics, /healthz
  host: 127.0.0.1
  port: 8080

store:
  kind: sqlite             # sqlite (one process) or redis (cluster)
  path: ./data/agentline.db
  documentCacheMb: 32      # handoff records kept in memory for repeated reads (0: none)
  # kind: redis
  # url: redis://127.0.0.1:6379

limits:
  maxCalls: 1000           # concurrent calls; beyond it INVITEs get 503
  maxCallDurationSec: 3600
  sessionExpiresSec: 1800  # RFC 4028 session timer (at least 90)
  overloadRetryAfterSec: 5 # Retry-After on 503
  drainTimeoutSec: 30      # on SIGTERM, wait this long for live calls

trunks:                    # the first trunk whose sources match a request takes it
  - name: local
    sources:               # CIDRs allowed to send SIP; others get 403 (or nothing)
      - 127.0.0.1/32
      - ::1/128
    onDenied: reject       # reject (403) or drop
    tokenHeader: X-PolyAi-Auth-Token
    sharedIdHeaders:       # the contact center's session id; first present wins
      - X-five9sessionid
      - X-CallSessionID
    byeHeaders:            # header names on our BYE, sent exactly as spelled here
      contained: X-contained
      destination: X-destination
    transfer: bye          # bye, or refer (then set referTarget)
    # referTarget: "sip:{destination}@cc.example.com"

handoff:
  retentionDays: 7         # records are readable this long
  maxDataBytes: 16777216   # 16 MiB cap on a record's data
  maxWaitSec: 30           # cap on the API's wait= parameter

api:
  # adminKey: set AGENTLINE_ADMIN_KEY instead of writing the secret here
  rateLimit:
    perKeyPerSec: 100
    burst: 200

log:
  level: info              # fatal, error, warn, info, debug, trace, silent

demo:                      # a demo tenant and flow agent, to try the loop locally
  enabled: true            # default false in a file; set false in production
  tenant: demo
  agent: demo
  extension: "7001"
  destinations: [billing, support]
`;

/** The example configuration text (YAML with comments). */
export function exampleConfigYaml(): string {
  return EXAMPLE;
}
