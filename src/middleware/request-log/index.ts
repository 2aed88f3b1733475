/**
 * The request log: the recorder, its stores (a memory ring, Redis), and its record and query types.
 *
 * @example
 * ```ts
 * import { Router } from 'switchyard';
 * const router = new Router({ providers, requestLog: { size: 5_000 } });
 * const { records, nextCursor } = await router.logs!.query({ status: 'error', limit: 20 });
 * ```
 *
 * @module
 */
export type {
  RequestLog,
  RequestLogAttempt,
  RequestLogPage,
  RequestLogQuery,
  RequestLogRecord,
  RequestLogTokens,
} from './request-log-record.js';
export {
  RequestLogRecorder,
  providerSecrets,
  type RequestLogConfig,
  type RequestLogEvents,
  type RequestLogOptions,
} from './request-log.js';
export {
  DEFAULT_LOG_LIMIT,
  MAX_LOG_LIMIT,
  checkLogQuery,
  encodeLogCursor,
  logSortKey,
  matchesLogQuery,
  type CheckedLogQuery,
  type RequestLogStore,
} from './request-log-store.js';
export {
  DEFAULT_LOG_SIZE,
  MemoryRequestLogStore,
  type MemoryRequestLogStoreOptions,
} from './memory-request-log-store.js';
export {
  DEFAULT_LOG_MAX_RECORDS,
  DEFAULT_LOG_TTL_SECONDS,
  RedisRequestLogStore,
  type RedisRequestLogStoreOptions,
} from './redis-request-log-store.js';
