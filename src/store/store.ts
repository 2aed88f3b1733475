/**
 * The state-store interface behind credits, budgets, rate limits, usage records and the statistics
 * that gateway instances share. Every check-and-update is one atomic operation (reserve, settle,
 * release, add-to-window, increment, append a record with its indexes), never a get followed by a
 * set, so that several instances sharing one store cannot race each other. The in-memory store is
 * the default; the Redis store is the shared one.
 *
 * Money is integer nano-dollars; a store only adds and compares integers.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';

/**
 * A rolling window, counted in slices: an amount added now stays in the window until `windowMs`
 * (and at most one slice more) has passed, so the count of any `windowMs`-long interval is never
 * under-estimated.
 *
 * @example
 * ```ts
 * const perMinute: WindowSpec = { windowMs: 60_000, slices: 12 }; // 5-second slices
 * ```
 */
export interface WindowSpec {
  windowMs: number;
  /** Slices per window (default 12). More slices: a tighter window, more keys. */
  slices?: number;
}

/**
 * A meter: a named account of money (or any integer) with a settled total (`used`), the sum of its
 * live holds (`reserved`) and, for balances, the amount credited (`credit`).
 *
 * @example
 * ```ts
 * const ledger: MeterRef = { key: 'ledger:team_acme' };
 * const daily: MeterRef = { key: 'budget:team_acme:account:day:2025-06-01', ttlMs: 3 * 86_400_000 };
 * const rolling: MeterRef = { key: 'budget:team_acme:user:alice:rolling:3600000', window: { windowMs: 3_600_000 } };
 * ```
 */
export interface MeterRef {
  /** The meter's name (the store adds its namespace prefix). */
  key: string;
  /**
   * The group the meter is kept in (billing: the account id). A Redis store keeps a group's keys in one Redis
   * Cluster hash slot, so that an operation over several meters is one script there; every meter (and the record)
   * of one reservation, settlement or release must be in one group, and a meter is always named with the same
   * group. Default: one shared group.
   */
  group?: string;
  /** Settled amounts leave the meter after this rolling window; without it they stay for good. */
  window?: WindowSpec;
  /** The meter expires this long after its last write (a calendar-period budget); none by default. */
  ttlMs?: number;
}

/**
 * One meter's part of a reservation: hold `amount` if `used + reserved + amount <= limit`.
 *
 * @example
 * ```ts
 * const hold: MeterHold = { key: 'ledger:team_acme', amount: 120_000, limit: 'credit', grant: 5_000_000_000 };
 * ```
 */
export interface MeterHold extends MeterRef {
  amount: number;
  /** The most `used + reserved` may reach: a number, or `'credit'` for the meter's own credited amount. */
  limit: number | 'credit';
  /** Credited once, the first time the meter is seen (a free allocation), before the check. */
  grant?: number;
}

/**
 * One meter's part of a settlement: `amount` is added to `used`, and the reservation's hold on
 * this meter (if any) is removed.
 *
 * @example
 * ```ts
 * const charge: MeterCharge = { key: 'ledger:team_acme', amount: 12_345 };
 * ```
 */
export interface MeterCharge extends MeterRef {
  amount: number;
}

/**
 * A meter's state. For a windowed meter `used` is the sum over the window.
 *
 * @example
 * ```ts
 * const state: MeterState = { credit: 5_000_000_000, used: 12_345, reserved: 0, granted: true };
 * const available = state.credit - state.used - state.reserved;
 * ```
 */
export interface MeterState {
  credit: number;
  used: number;
  reserved: number;
  /** Whether the meter's one-time grant was credited. */
  granted: boolean;
}

/**
 * An atomic, all-or-nothing reservation over several meters (a ledger and budgets). Idempotent by
 * `id`: reserving the same id again succeeds without holding twice.
 *
 * @example
 * ```ts
 * await store.reserve({ id: 'req_1:0', ttlMs: 600_000, holds: [{ key: 'ledger:team_acme', amount: 120_000, limit: 'credit' }] });
 * ```
 */
export interface ReserveRequest {
  id: string;
  holds: MeterHold[];
  /** Holds not settled or released within this time lapse by themselves (a crashed instance). */
  ttlMs: number;
}

/**
 * The outcome of a reservation. On refusal, `index` is the first hold that did not fit and `state`
 * that meter's state (with `limit` resolved).
 *
 * @example
 * ```ts
 * const result = await store.reserve(request);
 * if (!result.ok) console.log(`only ${result.limit - result.state.used - result.state.reserved} left`);
 * ```
 */
export type ReserveResult =
  | { ok: true; duplicate: boolean }
  | { ok: false; index: number; limit: number; state: MeterState };

/**
 * A record appended with a settlement, or on its own: stored once by `id` (a second append with the
 * same id is ignored) and listed by timestamp under each index.
 *
 * @example
 * ```ts
 * const record: StoredRecord = { id: 'req_1:0', timestamp: Date.now(), indexes: ['account:team_acme', 'generation:gen_1'], body: '{"cost":12345}' };
 * ```
 */
export interface StoredRecord {
  id: string;
  /** The group the record and its indexes are kept in (as {@link MeterRef.group}; billing: the account id). */
  group?: string;
  /** Epoch milliseconds: the score under every index. */
  timestamp: number;
  indexes: string[];
  /** Opaque to the store (JSON in practice). */
  body: string;
}

/**
 * An atomic, idempotent settlement: charges every meter, removes the reservation's holds and
 * appends the record, all or nothing, exactly once per `id`.
 *
 * @example
 * ```ts
 * await store.settle({ id: 'req_1:0', charges: [{ key: 'ledger:team_acme', amount: 12_345 }], record });
 * ```
 */
export interface SettleRequest {
  /** The reservation's id (a settlement without a reservation is fine). */
  id: string;
  charges: MeterCharge[];
  record?: StoredRecord;
}

/**
 * The outcome of a settlement. `applied` is false when this id was settled before (nothing changed);
 * `meters` are the charged meters' states after the settlement, in the order of `charges`.
 *
 * @example
 * ```ts
 * const { applied, meters } = await store.settle(request);
 * ```
 */
export interface SettleResult {
  applied: boolean;
  meters: MeterState[];
}

/**
 * The outcome of adding to a window.
 *
 * @example
 * ```ts
 * const result: WindowResult = { allowed: false, total: 60, retryAfterMs: 4_200 };
 * ```
 */
export interface WindowResult {
  allowed: boolean;
  /** The window's total after the addition (before it, when refused). */
  total: number;
  /** When refused: how long until enough leaves the window for this addition to fit. */
  retryAfterMs: number;
}

/**
 * Adds `amount` to a rolling window if `total + max(amount, 1) <= limit` (no limit: always).
 * An `amount` of 0 checks that the window has room left without adding anything.
 *
 * @example
 * ```ts
 * const request: WindowAddRequest = { key: 'rpm:key_1', amount: 1, limit: 60, window: { windowMs: 60_000 } };
 * ```
 */
export interface WindowAddRequest {
  key: string;
  amount: number;
  limit?: number;
  window: WindowSpec;
}

/**
 * How records are listed: one index, a time range (inclusive), oldest first.
 *
 * @example
 * ```ts
 * const query: RecordQuery = { index: 'account:team_acme', from: Date.parse('2025-06-01'), to: Date.now() };
 * ```
 */
export interface RecordQuery {
  index: string;
  /** The group of the index and its records ({@link StoredRecord.group}). */
  group?: string;
  from: number;
  to: number;
  /** At most this many records (default: all). */
  limit?: number;
}

/**
 * The state store. Implementations: {@link MemoryStore} (default, one process) and `RedisStore`
 * (shared). A store that cannot reach its backend rejects with `GatewayError` code
 * `store_unavailable`, quickly; callers decide what that means (fail closed or open).
 *
 * @example
 * ```ts
 * const store: StateStore = new MemoryStore();
 * const result = await store.reserve({ id: 'req_1:0', ttlMs: 60_000, holds: [{ key: 'ledger:acme', amount: 10, limit: 'credit', grant: 1_000 }] });
 * ```
 */
export interface StateStore {
  /** `memory` or `redis`. */
  readonly kind: string;
  /** Holds amounts on several meters at once, if every one fits. */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Charges meters, drops the reservation's holds and appends the record: once per id. */
  settle(request: SettleRequest): Promise<SettleResult>;
  /** Drops a reservation's holds without charging; false if it was already settled or released. */
  release(id: string, meters: MeterRef[]): Promise<boolean>;
  /** Reads a meter (lapsed holds are dropped first). */
  readMeter(meter: MeterRef): Promise<MeterState>;
  /**
   * Credits a meter (a top-up; negative to debit). With `grant`, credits only if the meter was never
   * granted. With `idempotencyKey`, a second call with the same key changes nothing.
   */
  credit(
    meter: MeterRef,
    amount: number,
    options?: { grant?: boolean; idempotencyKey?: string },
  ): Promise<MeterState & { applied: boolean }>;
  /** Adds to a rolling window if it stays within the limit. */
  windowAdd(request: WindowAddRequest): Promise<WindowResult>;
  /** Adds to a counter, which expires `ttlMs` after its creation (if given); returns the new value. */
  increment(key: string, amount: number, ttlMs?: number): Promise<number>;
  /** Reads a counter (0 when absent). */
  readCounter(key: string): Promise<number>;
  /** Appends a record once by id; false if that id was there already. */
  appendRecord(record: StoredRecord): Promise<boolean>;
  /** A record's body by id (in its `group`, when it was stored with one). */
  getRecord(id: string, group?: string): Promise<string | undefined>;
  /** Records under an index within a time range, oldest first (bodies). */
  listRecords(query: RecordQuery): Promise<string[]>;
  /** Sets (or with `undefined` deletes) one field of a small shared hash (configuration). */
  setField(key: string, field: string, value: string | undefined): Promise<void>;
  getFields(key: string): Promise<Record<string, string>>;
  /**
   * Sets one field of a shared hash whose fields expire one by one, `ttlMs` from now (each instance
   * writes its own field: a report, a heartbeat). Setting a field again replaces it and its expiry.
   */
  setExpiringField(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  /** The fields of such a hash that have not expired. */
  getExpiringFields(key: string): Promise<Record<string, string>>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Options every store shares.
 *
 * @example
 * ```ts
 * const options: StoreOptions = { prefix: 'myapp:gw:', recordRetentionMs: 30 * 86_400_000 };
 * ```
 */
export interface StoreOptions {
  /** Namespace of every key (default `switchyard:`). */
  prefix?: string;
  /** How long records (and their index entries) are kept (default 400 days). */
  recordRetentionMs?: number;
  /** How long a settled or released reservation id is remembered to refuse a replay (default 7 days). */
  markerRetentionMs?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/** Defaults shared by the stores. @example `STORE_DEFAULTS.prefix // 'switchyard:'` */
export const STORE_DEFAULTS = {
  prefix: 'switchyard:',
  recordRetentionMs: 400 * 86_400_000,
  markerRetentionMs: 7 * 86_400_000,
  slices: 12,
} as const;

/**
 * The slices of a window at a moment: their indexes (oldest first, the current one last), their
 * length, and how long the current one must be kept.
 *
 * @example
 * ```ts
 * windowSlices({ windowMs: 60_000, slices: 12 }, 1_000_000); // { first: 188, last: 200, sliceMs: 5_000, ttlMs: 65_000 }
 * ```
 */
export function windowSlices(
  window: WindowSpec,
  now: number,
): { first: number; last: number; sliceMs: number; ttlMs: number } {
  const slices = Math.max(1, Math.floor(window.slices ?? STORE_DEFAULTS.slices));
  const sliceMs = Math.max(1, Math.ceil(window.windowMs / slices));
  const last = Math.floor(now / sliceMs);
  // `slices + 1` slices: any interval of windowMs ending now lies within them.
  const first = last - slices;
  return { first, last, sliceMs, ttlMs: (last + slices + 1) * sliceMs - now };
}

/**
 * How long until `need` units leave a window, given its slice counts (oldest first).
 *
 * @example
 * ```ts
 * retryAfter([3, 0, 2], 188, 5_000, 12, 1_000_000, 4); // ms until slices 188 and 189..190 have left
 * ```
 */
export function retryAfter(
  counts: readonly number[],
  first: number,
  sliceMs: number,
  slices: number,
  now: number,
  need: number,
): number {
  let freed = 0;
  for (const [offset, count] of counts.entries()) {
    freed += count;
    if (freed >= need) return Math.max(1, (first + offset + slices + 1) * sliceMs - now);
  }
  return Math.max(1, (first + counts.length + slices) * sliceMs - now);
}

/**
 * Checks that an amount is a safe integer (money and counts never are floats).
 *
 * @example
 * ```ts
 * assertInteger(12_345, 'amount');
 * ```
 */
export function assertInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value))
    throw new GatewayError(
      'invalid_request',
      `${name} must be a whole number of nano-dollars (or units), got ${value}`,
      { param: name },
    );
}

/**
 * The one group of an operation's meters (and record), or a `GatewayError` `invalid_request` when they name
 * several: a reservation, settlement or release is atomic over one group (on Redis Cluster, one hash slot).
 *
 * @example
 * ```ts
 * operationGroup([{ key: 'ledger:acme', group: 'acme' }, { key: 'budget:acme:day', group: 'acme' }]); // 'acme'
 * ```
 */
export function operationGroup(meters: readonly MeterRef[], record?: Pick<StoredRecord, 'group'>): string | undefined {
  const groups = new Set<string | undefined>(meters.map((meter) => meter.group || undefined));
  if (record) groups.add(record.group || undefined);
  if (groups.size > 1) {
    const names = [...groups].map((group) => (group === undefined ? '(none)' : `'${group}'`)).join(', ');
    throw new GatewayError(
      'invalid_request',
      `The meters and record of one store operation must share one group (one Redis Cluster hash slot), got ${names}`,
      { param: 'group' },
    );
  }
  return [...groups][0];
}
