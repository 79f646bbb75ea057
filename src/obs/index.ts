/**
 * Observability: the error catalogue, the pino logger factory and the Prometheus
 * metrics. A leaf: imports nothing from other `src/` folders.
 */
export { AgentlineError, ERRORS, errorFor, isErrorCode, toAgentlineError, toHttpError, withContext } from './errors.ts';
export type { ErrorCode, ErrorContext, ErrorSpec } from './errors.ts';
export {
  DEFAULT_LOG_LEVEL, LOG_LEVELS, REDACT_PATHS, callLogger, createLogger, deferredLogger, resolveLogLevel,
} from './logger.ts';
export type { CallLogContext, Logger, LoggerOptions } from './logger.ts';
export { HTTP_BUCKETS_S, JITTER_BUCKETS_MS, Metrics, STORE_BUCKETS_S } from './metrics.ts';
export type { Direction, MediaClockCounts, MetricsOptions } from './metrics.ts';
export { CALL_OUTCOMES, CappedLabel, OTHER, SIP_METHODS, methodLabel, oneOf, statusLabel } from './labels.ts';
export type { CallOutcome } from './labels.ts';
