/**
 * The request log in a shared store (Redis): every gateway instance on that Redis appends to one log and
 * sees every instance's requests. Bounded by a cap (the newest `maxRecords`) and a TTL, both enforced on
 * every append in one script; the log's keys share one hash tag (`<prefix>log:{requests}:...`).
 *
 * @module
 */
import { GatewayError } from '../../core/errors.js';
import type { CappedLogStore } from '../../store/capped-log-store.js';
import type { RequestLogPage, RequestLogQuery, RequestLogRecord } from './request-log-record.js';
import {
  checkLogQuery,
  encodeLogCursor,
  logSortKey,
  matchesLogQuery,
  type RequestLogStore,
} from './request-log-store.js';

/** How many records Redis keeps when no cap is configured. @example `DEFAULT_LOG_MAX_RECORDS // 10000` */
export const DEFAULT_LOG_MAX_RECORDS = 10_000;
/** How long Redis keeps a record when no TTL is configured, in seconds (a day). @example `DEFAULT_LOG_TTL_SECONDS` */
export const DEFAULT_LOG_TTL_SECONDS = 86_400;

/**
 * Options of the shared request log.
 *
 * @example
 * ```ts
 * const options: RedisRequestLogStoreOptions = { maxRecords: 50_000, ttlSeconds: 7 * 86_400 };
 * ```
 */
export interface RedisRequestLogStoreOptions {
  /** How many records are kept at most, the newest (default 10,000). */
  maxRecords?: number;
  /** How long a record is kept, in seconds (default 86,400). */
  ttlSeconds?: number;
  /** The log's name in the store (default `requests`): gateways that share a name share a log. */
  name?: string;
  /** The clock (tests). */
  now?: () => number;
}

/** Records read per round trip while a query looks for matches. */
const SCAN_BATCH = 200;

/**
 * The request log over a {@link CappedLogStore} (a `RedisStore`).
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * const router = new Router({ providers, requestLog: { store: new RedisRequestLogStore(store, { ttlSeconds: 3600 }) } });
 * ```
 */
export class RedisRequestLogStore implements RequestLogStore {
  readonly kind: string;
  readonly maxRecords: number;
  readonly ttlSeconds: number;
  private readonly name: string;
  private readonly now: () => number;

  constructor(
    private readonly store: CappedLogStore,
    options: RedisRequestLogStoreOptions = {},
  ) {
    this.kind = store.kind;
    this.maxRecords = options.maxRecords ?? DEFAULT_LOG_MAX_RECORDS;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_LOG_TTL_SECONDS;
    if (!Number.isSafeInteger(this.maxRecords) || this.maxRecords < 1)
      throw new GatewayError(
        'config_invalid',
        `requestLog.maxRecords must be a positive integer, got ${this.maxRecords}`,
      );
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds < 1)
      throw new GatewayError(
        'config_invalid',
        `requestLog.ttlSeconds must be a positive integer, got ${this.ttlSeconds}`,
      );
    this.name = options.name ?? 'requests';
    this.now = options.now ?? Date.now;
  }

  append(record: RequestLogRecord): Promise<void> {
    return this.store.appendLogEntry(
      this.name,
      { id: record.generationId, time: record.time, body: JSON.stringify(record) },
      { maxEntries: this.maxRecords, ttlMs: this.ttlSeconds * 1000 },
    );
  }

  async query(query?: RequestLogQuery): Promise<RequestLogPage> {
    const checked = checkLogQuery(query);
    const oldest = this.oldestKept();
    const from = Math.max(checked.since ?? 0, oldest);
    let below = checked.before;
    if (checked.until !== undefined) {
      const untilKey = logSortKey({ time: checked.until, generationId: '' });
      if (below === undefined || untilKey < below) below = untilKey;
    }
    const found: RequestLogRecord[] = [];
    for (;;) {
      const entries = await this.store.listLogEntries(this.name, { from, below, count: SCAN_BATCH });
      for (const entry of entries) {
        const record = parse(entry.body);
        if (record && matchesLogQuery(record, checked)) found.push(record);
        if (found.length > checked.limit) break;
      }
      if (found.length > checked.limit || entries.length < SCAN_BATCH) break;
      const last = entries[entries.length - 1];
      below = logSortKey({ time: last.time, generationId: last.id });
    }
    const records = found.slice(0, checked.limit);
    return {
      records,
      ...(found.length > checked.limit ? { nextCursor: encodeLogCursor(logSortKey(records[records.length - 1])) } : {}),
    };
  }

  async get(generationId: string): Promise<RequestLogRecord | undefined> {
    const body = await this.store.getLogEntry(this.name, generationId);
    const record = body === undefined ? undefined : parse(body);
    return record && record.time >= this.oldestKept() ? record : undefined;
  }

  /** Records that arrived before this are expired (even when no append has dropped them yet). */
  private oldestKept(): number {
    return this.now() - this.ttlSeconds * 1000;
  }
}

function parse(body: string): RequestLogRecord | undefined {
  try {
    const value = JSON.parse(body) as RequestLogRecord;
    return value && typeof value === 'object' && typeof value.generationId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
