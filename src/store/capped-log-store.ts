/**
 * The capped log store interface: a named log of entries (an id, a sort key, an opaque body), kept newest
 * first, bounded by a count and a time to live. What the request log needs of a shared store: append
 * (dropping what is over the cap or expired, atomically), list a range newest first, get one entry.
 *
 * `RedisStore` implements it: a log lives in two keys that share one Redis Cluster hash tag
 * (`<prefix>log:{<name>}:i`, the sort keys, and `<prefix>log:{<name>}:e`, the bodies by id), so that an
 * append is one script in one slot, and every gateway instance on that Redis sees every entry.
 *
 * A store that cannot reach its backend rejects with `GatewayError` code `store_unavailable`.
 *
 * @module
 */

/**
 * One entry of a capped log: its id (unique in the log), its time (epoch milliseconds) and an opaque body.
 * A log orders its entries by sort key, `<time as 15 zero-padded digits>:<id>` ({@link cappedLogSortKey}).
 *
 * @example
 * ```ts
 * const entry: CappedLogEntry = { id: 'gen_01J...', time: 1_767_225_600_000, body: '{"status":"success"}' };
 * ```
 */
export interface CappedLogEntry {
  id: string;
  time: number;
  body: string;
}

/**
 * Which entries a listing returns, newest first: those of time `from` or later, whose sort key is below
 * `below` (a cursor), at most `count`.
 *
 * @example
 * ```ts
 * const range: CappedLogRange = { below: cappedLogSortKey(last.time, last.id), count: 100 };
 * ```
 */
export interface CappedLogRange {
  /** Epoch milliseconds, inclusive. */
  from?: number;
  /** A sort key, exclusive. */
  below?: string;
  count: number;
}

/**
 * The sort key of an entry: its time as 15 zero-padded digits, a colon, its id.
 *
 * @example
 * ```ts
 * cappedLogSortKey(1_767_225_600_000, 'gen_1'); // '001767225600000:gen_1'
 * ```
 */
export function cappedLogSortKey(time: number, id: string): string {
  return `${String(Math.max(0, Math.floor(time))).padStart(15, '0')}:${id}`;
}

/**
 * A store of capped logs.
 *
 * @example
 * ```ts
 * const store: CappedLogStore = new RedisStore({ url: process.env.REDIS_URL });
 * await store.appendLogEntry('requests', entry, { maxEntries: 10_000, ttlMs: 86_400_000 });
 * const newest = await store.listLogEntries('requests', { count: 50 });
 * ```
 */
export interface CappedLogStore {
  /** `redis`, or a store's own name. */
  readonly kind: string;
  /**
   * Appends an entry, then drops the entries older than `ttlMs` and the oldest beyond `maxEntries`; the log
   * itself expires `ttlMs` after its last append.
   */
  appendLogEntry(log: string, entry: CappedLogEntry, limits: { maxEntries: number; ttlMs: number }): Promise<void>;
  /** Entries newest first (the greatest sort key first). */
  listLogEntries(log: string, range: CappedLogRange): Promise<CappedLogEntry[]>;
  /** One entry's body by id, when still kept. */
  getLogEntry(log: string, id: string): Promise<string | undefined>;
}

/**
 * Whether a value is a {@link CappedLogStore} (a `RedisStore` is; the in-memory state store is not).
 *
 * @example
 * ```ts
 * if (isCappedLogStore(gateway.store)) requestLog = new RedisRequestLogStore(gateway.store);
 * ```
 */
export function isCappedLogStore(value: unknown): value is CappedLogStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Partial<CappedLogStore>;
  return (
    typeof store.appendLogEntry === 'function' &&
    typeof store.listLogEntries === 'function' &&
    typeof store.getLogEntry === 'function'
  );
}
