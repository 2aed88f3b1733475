/**
 * Where the request log keeps its records, and the query rules every store shares: the filters, the
 * page size, the opaque cursor, the newest-first order. A store orders records by their sort key
 * (the arrival time, then the generation id), so that a cursor is exact even when many requests arrive
 * in the same millisecond.
 *
 * @module
 */
import { GatewayError } from '../../core/errors.js';
import { cappedLogSortKey } from '../../store/capped-log-store.js';
import type { RequestLogPage, RequestLogQuery, RequestLogRecord } from './request-log-record.js';

/** The page size of a query that names none. @example `DEFAULT_LOG_LIMIT // 50` */
export const DEFAULT_LOG_LIMIT = 50;
/** The largest page a query may ask for. @example `MAX_LOG_LIMIT // 1000` */
export const MAX_LOG_LIMIT = 1000;

/**
 * A store of request log records: the memory ring ({@link MemoryRequestLogStore}) or Redis
 * (`RedisRequestLogStore`); any object with these methods will do.
 *
 * @example
 * ```ts
 * const store: RequestLogStore = new MemoryRequestLogStore({ size: 5_000 });
 * const router = new Router({ providers, requestLog: { store } });
 * ```
 */
export interface RequestLogStore {
  /** `memory`, `redis`, or a store's own name. */
  readonly kind: string;
  /** Keeps a record (a store bounds itself: a ring, a cap, a TTL). */
  append(record: RequestLogRecord): void | Promise<void>;
  /** Records newest first, filtered, one page at a time. */
  query(query?: RequestLogQuery): Promise<RequestLogPage>;
  /** One record by generation id, when still kept. */
  get(generationId: string): Promise<RequestLogRecord | undefined>;
}

/**
 * A query with its page size checked and its cursor decoded into the sort key it stands for.
 *
 * @example
 * ```ts
 * const checked: CheckedLogQuery = checkLogQuery({ limit: 10 }); // { ..., limit: 10, before: undefined }
 * ```
 */
export interface CheckedLogQuery extends RequestLogQuery {
  limit: number;
  /** Only records whose sort key is below this one (the cursor's). */
  before: string | undefined;
}

/**
 * The sort key of a record: its arrival time, zero-padded, then its generation id. Keys compare as
 * strings in the order of the records (newest has the greatest key).
 *
 * @example
 * ```ts
 * logSortKey({ time: 1_700_000_000_000, generationId: 'gen_01J...' }); // '001700000000000:gen_01J...'
 * ```
 */
export function logSortKey(record: Pick<RequestLogRecord, 'time' | 'generationId'>): string {
  return cappedLogSortKey(record.time, record.generationId);
}

/**
 * The opaque cursor of a page that ended at `sortKey`.
 *
 * @example
 * ```ts
 * const cursor = encodeLogCursor(logSortKey(lastRecord));
 * ```
 */
export function encodeLogCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

/**
 * Checks a query (the limit, the status, the times, the cursor): throws `invalid_request` saying what is
 * wrong, else returns it with its defaults.
 *
 * @example
 * ```ts
 * const checked = checkLogQuery({ limit: 20, cursor: page.nextCursor });
 * ```
 */
export function checkLogQuery(query: RequestLogQuery = {}): CheckedLogQuery {
  const limit = query.limit ?? DEFAULT_LOG_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LOG_LIMIT)
    throw invalid('limit', `\`limit\` must be an integer from 1 to ${MAX_LOG_LIMIT}, got ${String(query.limit)}`);
  if (query.status !== undefined && !['success', 'error', 'aborted'].includes(query.status))
    throw invalid('status', `\`status\` must be success, error or aborted, got ${String(query.status)}`);
  for (const name of ['since', 'until'] as const) {
    const value = query[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      throw invalid(name, `\`${name}\` must be epoch milliseconds, got ${String(value)}`);
  }
  for (const name of ['account', 'model', 'provider'] as const) {
    const value = query[name];
    if (value !== undefined && typeof value !== 'string')
      throw invalid(name, `\`${name}\` must be a string, got ${typeof value}`);
  }
  let before: string | undefined;
  if (query.cursor !== undefined) {
    const decoded =
      typeof query.cursor === 'string' ? Buffer.from(query.cursor, 'base64url').toString('utf8') : undefined;
    if (!decoded || !/^\d{15}:\S+$/.test(decoded) || encodeLogCursor(decoded) !== query.cursor)
      throw invalid('cursor', '`cursor` is not a cursor of this log: pass the `nextCursor` of the previous page');
    before = decoded;
  }
  return { ...query, limit, before };
}

/**
 * Whether a record passes a query's filters (not the cursor). `model` matches the model asked for or the one
 * that answered; `provider` the provider that answered or any provider attempted.
 *
 * @example
 * ```ts
 * const errors = records.filter((record) => matchesLogQuery(record, { status: 'error' }));
 * ```
 */
export function matchesLogQuery(record: RequestLogRecord, query: RequestLogQuery): boolean {
  if (query.account !== undefined && record.account !== query.account) return false;
  if (query.model !== undefined && record.requestedModel !== query.model && record.model !== query.model) return false;
  if (
    query.provider !== undefined &&
    record.provider !== query.provider &&
    !record.attempts.some((attempt) => attempt.provider === query.provider)
  )
    return false;
  if (query.status !== undefined && record.status !== query.status) return false;
  if (query.since !== undefined && record.time < query.since) return false;
  if (query.until !== undefined && record.time >= query.until) return false;
  return true;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
