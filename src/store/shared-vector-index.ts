/**
 * A vector index shared by every instance on one store (Redis): each instance searches its own
 * {@link MemoryVectorIndex}, and every vector added anywhere reaches the others through a log kept in the
 * store: a counter (`increment`) numbers the entries, and each entry is a value of the key-value store under
 * its number, with the entry's own TTL. Before a search, an instance reads the entries numbered since its last
 * read (one `GET` of the counter and one `MGET`, at most once per `syncIntervalMs`), so another instance's
 * entry is searchable here at most `syncIntervalMs` after it was stored (plus a round trip).
 *
 * Deletions stay local: an entry cleared elsewhere has no stored answer any more, and the cache drops the
 * vector when its search finds it. The log uses only the store interfaces, in one namespace (one Redis
 * Cluster hash slot).
 *
 * @module
 */
import type { KeyValueStore } from './key-value-store.js';
import { MemoryVectorIndex } from './memory-vector-index.js';
import type { StateStore } from './store.js';
import type { VectorIndex, VectorMatch } from './vector-index.js';

/**
 * Options of a {@link SharedVectorIndex}.
 *
 * @example
 * ```ts
 * const options: SharedVectorIndexOptions = { store: new RedisStore({ url: process.env.REDIS_URL }), syncIntervalMs: 500 };
 * ```
 */
export interface SharedVectorIndexOptions {
  /** The shared store: a `RedisStore` (any store with counters and values). */
  store: Pick<StateStore, 'increment' | 'readCounter'> & KeyValueStore;
  /** Names the log, so that several indexes can share a store (default `semantic-index`). */
  name?: string;
  /** How stale another instance's entries may be, at most, in milliseconds (default 500). */
  syncIntervalMs?: number;
  /** The local index's bound in entries (default 100 000), when `local` is not given. */
  maxEntries?: number;
  /**
   * The index each instance searches (default: an exact {@link MemoryVectorIndex}; an `ApproximateVectorIndex` for
   * large ones).
   */
  local?: VectorIndex;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/** How many log entries one sync reads at most (an instance that falls further behind starts from the newest). */
const MAX_READ = 5_000;
/** How long a numbered entry that is not there yet (its writer is between `increment` and `setValue`) is retried. */
const PENDING_RETRY_MS = 5_000;

interface LoggedVector {
  p: string;
  i: string;
  /** The vector's float32 bytes, base64. */
  v: string;
  x: number;
}

/**
 * A {@link VectorIndex} shared by every instance on one store.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * const semantic = semanticCache({ embeddingModel: 'openai/text-embedding-3-small', store, index: new SharedVectorIndex({ store }) });
 * ```
 */
export class SharedVectorIndex implements VectorIndex {
  readonly kind: string;
  private readonly local: VectorIndex;
  private readonly store: SharedVectorIndexOptions['store'];
  private readonly namespace: string;
  private readonly counter: string;
  private readonly syncIntervalMs: number;
  private readonly now: () => number;
  private lastRead = 0;
  private lastSync = -Infinity;
  private syncing: Promise<void> | undefined;
  /** Numbers read while their value was not there yet, with when they were first missed. */
  private readonly pending = new Map<number, number>();
  /** Numbers of this instance's own entries, already in the local index, not to be read back. */
  private readonly own = new Set<number>();

  constructor(options: SharedVectorIndexOptions) {
    this.store = options.store;
    this.kind = `shared:${options.store.kind}`;
    const name = options.name ?? 'semantic-index';
    this.namespace = `vector-log:${name}`;
    this.counter = `vector-log:${name}:sequence`;
    this.syncIntervalMs = options.syncIntervalMs ?? 500;
    this.now = options.now ?? Date.now;
    this.local = options.local ?? new MemoryVectorIndex({ maxEntries: options.maxEntries, now: this.now });
  }

  async add(partition: string, id: string, vector: ArrayLike<number>, expiresAt: number): Promise<void> {
    await this.local.add(partition, id, vector, expiresAt);
    const ttlMs = Math.max(1, expiresAt - this.now());
    const sequence = await this.store.increment(this.counter, 1);
    if (sequence > this.lastRead) this.own.add(sequence);
    const bytes = Float32Array.from(vector as ArrayLike<number>);
    const entry: LoggedVector = {
      p: partition,
      i: id,
      v: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
      x: expiresAt,
    };
    await this.store.setValue(this.namespace, `e${sequence}`, JSON.stringify(entry), ttlMs);
  }

  async search(partition: string, vector: ArrayLike<number>, k: number): Promise<VectorMatch[]> {
    if (this.now() - this.lastSync >= this.syncIntervalMs) await this.sync();
    return this.local.search(partition, vector, k);
  }

  async delete(partition: string, id: string): Promise<boolean> {
    return this.local.delete(partition, id);
  }

  async clear(partitionPrefix: string): Promise<number> {
    return this.local.clear(partitionPrefix);
  }

  async size(): Promise<number> {
    return this.local.size();
  }

  async close(): Promise<void> {
    await this.local.close();
  }

  /** Reads the entries other instances logged since the last read. */
  sync(): Promise<void> {
    this.syncing ??= this.read().finally(() => {
      this.syncing = undefined;
      this.lastSync = this.now();
    });
    return this.syncing;
  }

  private async read(): Promise<void> {
    const newest = await this.store.readCounter(this.counter);
    const from = Math.max(this.lastRead + 1, newest - MAX_READ + 1);
    const numbers = [...this.pending.keys()];
    for (let number = from; number <= newest; number += 1) {
      if (this.own.delete(number)) continue;
      numbers.push(number);
    }
    this.lastRead = Math.max(this.lastRead, newest);
    if (numbers.length === 0) return;
    const values = await this.store.getValues(
      this.namespace,
      numbers.map((number) => `e${number}`),
    );
    const time = this.now();
    for (const [index, number] of numbers.entries()) {
      const text = values[index];
      if (text === undefined) {
        const since = this.pending.get(number) ?? time;
        if (time - since < PENDING_RETRY_MS) this.pending.set(number, since);
        else this.pending.delete(number);
        continue;
      }
      this.pending.delete(number);
      const entry = JSON.parse(text) as LoggedVector;
      if (entry.x <= time) continue;
      const bytes = Buffer.from(entry.v, 'base64');
      const vector = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      await this.local.add(entry.p, entry.i, vector, entry.x);
    }
  }
}
