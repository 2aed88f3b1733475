/**
 * The request log in memory: a ring of the last N records of this process (the oldest is dropped when a
 * new one arrives on a full ring).
 *
 * @module
 */
import { GatewayError } from '../../core/errors.js';
import type { RequestLogPage, RequestLogQuery, RequestLogRecord } from './request-log-record.js';
import {
  checkLogQuery,
  encodeLogCursor,
  logSortKey,
  matchesLogQuery,
  type RequestLogStore,
} from './request-log-store.js';

/** The ring's size when none is configured. @example `DEFAULT_LOG_SIZE // 1000` */
export const DEFAULT_LOG_SIZE = 1000;

/**
 * Options of the memory request log.
 *
 * @example
 * ```ts
 * const options: MemoryRequestLogStoreOptions = { size: 10_000 };
 * ```
 */
export interface MemoryRequestLogStoreOptions {
  /** How many records the ring keeps (default 1,000). */
  size?: number;
}

/**
 * A ring of the last `size` records, in this process.
 *
 * @example
 * ```ts
 * const store = new MemoryRequestLogStore({ size: 100 });
 * const router = new Router({ providers, requestLog: { store } });
 * ```
 */
export class MemoryRequestLogStore implements RequestLogStore {
  readonly kind = 'memory';
  readonly size: number;
  private readonly ring: Array<RequestLogRecord | undefined>;
  private readonly byId = new Map<string, RequestLogRecord>();
  private next = 0;

  constructor(options: MemoryRequestLogStoreOptions = {}) {
    const size = options.size ?? DEFAULT_LOG_SIZE;
    if (!Number.isSafeInteger(size) || size < 1)
      throw new GatewayError('config_invalid', `requestLog.size must be a positive integer, got ${String(size)}`);
    this.size = size;
    this.ring = new Array<RequestLogRecord | undefined>(size);
  }

  append(record: RequestLogRecord): void {
    // The sort keys are made by queries, not here: appends happen on every request, queries seldom.
    const dropped = this.ring[this.next];
    if (dropped && this.byId.get(dropped.generationId) === dropped) this.byId.delete(dropped.generationId);
    this.ring[this.next] = record;
    this.byId.set(record.generationId, record);
    this.next = this.next + 1 === this.size ? 0 : this.next + 1;
  }

  async query(query?: RequestLogQuery): Promise<RequestLogPage> {
    const checked = checkLogQuery(query);
    const matched: Array<{ key: string; record: RequestLogRecord }> = [];
    for (const record of this.ring) {
      if (!record || !matchesLogQuery(record, checked)) continue;
      const key = logSortKey(record);
      if (checked.before === undefined || key < checked.before) matched.push({ key, record });
    }
    matched.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = matched.slice(0, checked.limit);
    const more = matched.length > checked.limit;
    return {
      records: page.map((entry) => entry.record),
      ...(more ? { nextCursor: encodeLogCursor(page[page.length - 1].key) } : {}),
    };
  }

  async get(generationId: string): Promise<RequestLogRecord | undefined> {
    return this.byId.get(generationId);
  }
}
