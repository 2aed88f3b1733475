/**
 * The in-memory state store: the default, for one process. Every operation runs to completion
 * without yielding, so each is atomic. Data that can grow (windows, expiring meters, reservation
 * markers, records, indexes, expiring fields) sits in bounded LRU caches; balances (meters without expiry) and
 * configuration are kept in full.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import {
  operationGroup,
  STORE_DEFAULTS,
  assertInteger,
  retryAfter,
  windowSlices,
  type MeterCharge,
  type MeterRef,
  type MeterState,
  type RecordQuery,
  type ReserveRequest,
  type ReserveResult,
  type SettleRequest,
  type SettleResult,
  type StateStore,
  type StoreOptions,
  type StoredRecord,
  type WindowAddRequest,
  type WindowResult,
  type WindowSpec,
} from './store.js';

/**
 * Options of the in-memory store.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxRecords: 50_000 });
 * ```
 */
export interface MemoryStoreOptions extends StoreOptions {
  /** Usage records kept at most (least recently used dropped first; default 100 000). */
  maxRecords?: number;
  /** Entries kept at most in each other bounded cache: windows, expiring meters, markers, indexes (default 100 000). */
  maxEntries?: number;
}

interface Meter {
  credit: number;
  used: number;
  reserved: number;
  granted: boolean;
  holds: Map<string, { amount: number; expiresAt: number }>;
}

interface IndexEntry {
  timestamp: number;
  id: string;
}

/**
 * The in-memory {@link StateStore}.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.credit({ key: 'ledger:acme' }, 5_000_000_000);
 * const result = await store.reserve({ id: 'req_1:0', ttlMs: 60_000, holds: [{ key: 'ledger:acme', amount: 1_000, limit: 'credit' }] });
 * ```
 */
export class MemoryStore implements StateStore {
  readonly kind = 'memory';
  private readonly now: () => number;
  private readonly recordRetentionMs: number;
  private readonly markerRetentionMs: number;
  private readonly meters = new Map<string, Meter>();
  private readonly expiringMeters: LRUCache<string, Meter>;
  private readonly counters: LRUCache<string, number>;
  private readonly markers: LRUCache<string, string>;
  private readonly records: LRUCache<string, string>;
  private readonly indexes: LRUCache<string, IndexEntry[]>;
  private readonly fields = new Map<string, Map<string, string>>();
  private readonly expiringFields: LRUCache<string, Map<string, { value: string; expiresAt: number }>>;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.recordRetentionMs = options.recordRetentionMs ?? STORE_DEFAULTS.recordRetentionMs;
    this.markerRetentionMs = options.markerRetentionMs ?? STORE_DEFAULTS.markerRetentionMs;
    const max = options.maxEntries ?? 100_000;
    const perf = { now: () => this.now() };
    this.expiringMeters = new LRUCache<string, Meter>({ max, perf });
    this.counters = new LRUCache<string, number>({ max, perf });
    this.markers = new LRUCache<string, string>({ max, perf });
    this.indexes = new LRUCache<string, IndexEntry[]>({ max, perf });
    this.expiringFields = new LRUCache<string, Map<string, { value: string; expiresAt: number }>>({ max, perf });
    this.records = new LRUCache<string, string>({
      max: options.maxRecords ?? 100_000,
      perf,
      ttl: this.recordRetentionMs,
    });
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    operationGroup(request.holds);
    if (this.markers.has(request.id)) return { ok: true, duplicate: true };
    const now = this.now();
    const meters = request.holds.map((hold) => {
      assertInteger(hold.amount, 'amount');
      const meter = this.meter(hold, true);
      this.purge(meter, now);
      if (hold.grant !== undefined && !meter.granted) {
        assertInteger(hold.grant, 'grant');
        meter.granted = true;
        meter.credit += hold.grant;
        this.touch(hold, meter);
      }
      return meter;
    });
    for (const [index, hold] of request.holds.entries()) {
      const state = this.state(hold, meters[index], now);
      const limit = hold.limit === 'credit' ? state.credit : hold.limit;
      if (state.used + state.reserved + hold.amount > limit) return { ok: false, index, limit, state };
    }
    for (const [index, hold] of request.holds.entries()) {
      const meter = meters[index];
      meter.holds.set(request.id, { amount: hold.amount, expiresAt: now + request.ttlMs });
      meter.reserved += hold.amount;
      this.touch(hold, meter);
    }
    this.markers.set(request.id, 'held', { ttl: Math.max(request.ttlMs, 1) });
    return { ok: true, duplicate: false };
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    operationGroup(request.charges, request.record);
    const now = this.now();
    if (this.markers.get(request.id) === 'settled') {
      return {
        applied: false,
        meters: request.charges.map((charge) => this.state(charge, this.meter(charge, false), now)),
      };
    }
    for (const charge of request.charges) assertInteger(charge.amount, 'amount');
    const meters = request.charges.map((charge) => {
      const meter = this.meter(charge, true);
      this.dropHold(meter, request.id);
      this.addUsed(charge, meter, now);
      this.touch(charge, meter);
      return this.state(charge, meter, now);
    });
    if (request.record) this.append(request.record, now);
    this.markers.set(request.id, 'settled', { ttl: this.markerRetentionMs });
    return { applied: true, meters };
  }

  async release(id: string, meters: MeterRef[]): Promise<boolean> {
    operationGroup(meters);
    if (this.markers.get(id) === 'settled' || this.markers.get(id) === 'released') return false;
    for (const ref of meters) {
      const meter = this.meter(ref, false);
      if (meter) this.dropHold(meter, id);
    }
    this.markers.set(id, 'released', { ttl: this.markerRetentionMs });
    return true;
  }

  async readMeter(ref: MeterRef): Promise<MeterState> {
    const meter = this.meter(ref, false);
    if (meter) this.purge(meter, this.now());
    return this.state(ref, meter, this.now());
  }

  async credit(
    ref: MeterRef,
    amount: number,
    options: { grant?: boolean; idempotencyKey?: string } = {},
  ): Promise<MeterState & { applied: boolean }> {
    assertInteger(amount, 'amount');
    const meter = this.meter(ref, true);
    const marker = options.idempotencyKey === undefined ? undefined : `credit:${ref.key}:${options.idempotencyKey}`;
    const skip = (options.grant === true && meter.granted) || (marker !== undefined && this.markers.has(marker));
    if (!skip) {
      meter.credit += amount;
      if (options.grant === true) meter.granted = true;
      if (marker !== undefined) this.markers.set(marker, 'credited', { ttl: this.markerRetentionMs });
      this.touch(ref, meter);
    }
    return { ...this.state(ref, meter, this.now()), applied: !skip };
  }

  async windowAdd(request: WindowAddRequest): Promise<WindowResult> {
    assertInteger(request.amount, 'amount');
    const now = this.now();
    const slices = windowSlices(request.window, now);
    const counts = this.sliceCounts(`w:${request.key}`, slices.first, slices.last);
    const total = counts.reduce((sum, count) => sum + count, 0);
    if (request.limit !== undefined && total + Math.max(request.amount, 1) > request.limit) {
      const need = total + Math.max(request.amount, 1) - request.limit;
      return {
        allowed: false,
        total,
        retryAfterMs: retryAfter(counts, slices.first, slices.sliceMs, slices.last - slices.first, now, need),
      };
    }
    if (request.amount !== 0) this.addToSlice(`w:${request.key}`, slices.last, request.amount, slices.ttlMs);
    return { allowed: true, total: total + request.amount, retryAfterMs: 0 };
  }

  async increment(key: string, amount: number, ttlMs?: number): Promise<number> {
    assertInteger(amount, 'amount');
    const name = `c:${key}`;
    const current = this.counters.get(name);
    const value = (current ?? 0) + amount;
    if (current === undefined) this.counters.set(name, value, ttlMs === undefined ? {} : { ttl: ttlMs });
    else this.counters.set(name, value, { noUpdateTTL: true });
    return value;
  }

  async readCounter(key: string): Promise<number> {
    return this.counters.get(`c:${key}`) ?? 0;
  }

  async appendRecord(record: StoredRecord): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.append(record, this.now());
    return true;
  }

  async getRecord(id: string): Promise<string | undefined> {
    return this.records.get(id);
  }

  async listRecords(query: RecordQuery): Promise<string[]> {
    const entries = this.indexes.get(query.index) ?? [];
    const bodies: string[] = [];
    for (
      let position = lowerBound(entries, query.from);
      position < entries.length && entries[position].timestamp <= query.to;
      position += 1
    ) {
      const body = this.records.get(entries[position].id);
      if (body !== undefined) bodies.push(body);
      if (query.limit !== undefined && bodies.length >= query.limit) break;
    }
    return bodies;
  }

  async setField(key: string, field: string, value: string | undefined): Promise<void> {
    const hash = this.fields.get(key) ?? new Map<string, string>();
    if (value === undefined) hash.delete(field);
    else hash.set(field, value);
    if (hash.size === 0) this.fields.delete(key);
    else this.fields.set(key, hash);
  }

  async getFields(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.fields.get(key) ?? []);
  }

  async setExpiringField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const now = this.now();
    const hash = this.liveFields(key, now) ?? new Map<string, { value: string; expiresAt: number }>();
    hash.set(field, { value, expiresAt: now + Math.max(1, ttlMs) });
    let last = now;
    for (const entry of hash.values()) last = Math.max(last, entry.expiresAt);
    this.expiringFields.set(key, hash, { ttl: last - now });
  }

  async getExpiringFields(key: string): Promise<Record<string, string>> {
    const hash = this.liveFields(key, this.now());
    const result: Record<string, string> = {};
    if (hash) for (const [field, entry] of hash) result[field] = entry.value;
    return result;
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  /** An expiring hash with its lapsed fields dropped (undefined when none is left). */
  private liveFields(key: string, now: number): Map<string, { value: string; expiresAt: number }> | undefined {
    const hash = this.expiringFields.get(key);
    if (!hash) return undefined;
    for (const [field, entry] of hash) if (entry.expiresAt <= now) hash.delete(field);
    return hash.size > 0 ? hash : undefined;
  }

  private meter(ref: MeterRef, create: true): Meter;
  private meter(ref: MeterRef, create: false): Meter | undefined;
  private meter(ref: MeterRef, create: boolean): Meter | undefined {
    const found = ref.ttlMs === undefined ? this.meters.get(ref.key) : this.expiringMeters.get(ref.key);
    if (found || !create) return found;
    const meter: Meter = { credit: 0, used: 0, reserved: 0, granted: false, holds: new Map() };
    this.touch(ref, meter);
    return meter;
  }

  private touch(ref: MeterRef, meter: Meter): void {
    if (ref.ttlMs === undefined) this.meters.set(ref.key, meter);
    else this.expiringMeters.set(ref.key, meter, { ttl: ref.ttlMs });
  }

  private state(ref: MeterRef, meter: Meter | undefined, now: number): MeterState {
    const used = ref.window ? this.windowTotal(ref.key, ref.window, now) : (meter?.used ?? 0);
    return { credit: meter?.credit ?? 0, used, reserved: meter?.reserved ?? 0, granted: meter?.granted ?? false };
  }

  private purge(meter: Meter, now: number): void {
    for (const [id, hold] of meter.holds) if (hold.expiresAt <= now) this.dropHold(meter, id);
  }

  private dropHold(meter: Meter, id: string): void {
    const hold = meter.holds.get(id);
    if (!hold) return;
    meter.holds.delete(id);
    meter.reserved -= hold.amount;
  }

  private addUsed(charge: MeterCharge, meter: Meter, now: number): void {
    if (!charge.window) {
      meter.used += charge.amount;
      return;
    }
    const slices = windowSlices(charge.window, now);
    this.addToSlice(`m:${charge.key}`, slices.last, charge.amount, slices.ttlMs);
  }

  private windowTotal(key: string, window: WindowSpec, now: number): number {
    const slices = windowSlices(window, now);
    return this.sliceCounts(`m:${key}`, slices.first, slices.last).reduce((sum, count) => sum + count, 0);
  }

  private sliceCounts(name: string, first: number, last: number): number[] {
    const counts: number[] = [];
    for (let index = first; index <= last; index += 1) counts.push(this.counters.get(`${name}#${index}`) ?? 0);
    return counts;
  }

  private addToSlice(name: string, index: number, amount: number, ttlMs: number): void {
    const key = `${name}#${index}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + amount, { ttl: ttlMs });
  }

  private append(record: StoredRecord, now: number): void {
    this.records.set(record.id, record.body);
    for (const index of record.indexes) {
      const entries = this.indexes.get(index) ?? [];
      entries.splice(upperBound(entries, record.timestamp), 0, { timestamp: record.timestamp, id: record.id });
      const stale = lowerBound(entries, now - this.recordRetentionMs);
      if (stale > 0) entries.splice(0, stale);
      this.indexes.set(index, entries, { ttl: this.recordRetentionMs });
    }
  }
}

function lowerBound(entries: readonly IndexEntry[], timestamp: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (entries[middle].timestamp < timestamp) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBound(entries: readonly IndexEntry[], timestamp: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (entries[middle].timestamp <= timestamp) low = middle + 1;
    else high = middle;
  }
  return low;
}
