/**
 * The in-memory vector index: per partition, every unit vector in one contiguous `Float32Array`, searched
 * exactly (a dot product per entry, four lanes at a time). Exact search is what a small cache partition
 * needs: partitions split entries by account, model and system prompt, so each one is often small, and an
 * exact scan costs time in proportion to the partition (a few milliseconds per 10 000 entries of 1,536
 * dimensions on an idle machine; BENCHMARKS.md has the figures). For partitions of tens of thousands of
 * entries, `ApproximateVectorIndex` meets a 2 ms lookup where this one cannot.
 *
 * Bounded by `maxEntries` over all partitions: the oldest entry added goes first.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import { normalizedVector, type VectorIndex, type VectorMatch } from './vector-index.js';

/**
 * Options of a {@link MemoryVectorIndex}.
 *
 * @example
 * ```ts
 * const options: MemoryVectorIndexOptions = { maxEntries: 100_000 };
 * ```
 */
export interface MemoryVectorIndexOptions {
  /** The most entries kept, over every partition (default 100 000); the oldest goes first. */
  maxEntries?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

class Partition {
  dimensions = 0;
  vectors = new Float32Array(0);
  ids: string[] = [];
  expiries: number[] = [];
  readonly slots = new Map<string, number>();

  add(id: string, unit: Float32Array, expiresAt: number): void {
    if (this.ids.length === 0) this.dimensions = unit.length;
    if (unit.length !== this.dimensions)
      throw new GatewayError(
        'invalid_request',
        `A vector of ${unit.length} dimensions cannot join a partition of ${this.dimensions}`,
      );
    const existing = this.slots.get(id);
    if (existing !== undefined) {
      this.vectors.set(unit, existing * this.dimensions);
      this.expiries[existing] = expiresAt;
      return;
    }
    const slot = this.ids.length;
    if ((slot + 1) * this.dimensions > this.vectors.length) {
      const grown = new Float32Array(Math.max(16, slot * 2) * this.dimensions);
      grown.set(this.vectors.subarray(0, slot * this.dimensions));
      this.vectors = grown;
    }
    this.vectors.set(unit, slot * this.dimensions);
    this.ids.push(id);
    this.expiries.push(expiresAt);
    this.slots.set(id, slot);
  }

  /** Removes an entry by moving the last one into its slot. */
  remove(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const dimensions = this.dimensions;
      this.vectors.copyWithin(slot * dimensions, last * dimensions, (last + 1) * dimensions);
      this.ids[slot] = this.ids[last];
      this.expiries[slot] = this.expiries[last];
      this.slots.set(this.ids[slot], slot);
    }
    this.ids.pop();
    this.expiries.pop();
    this.slots.delete(id);
    return true;
  }

  search(query: Float32Array, k: number, now: number): VectorMatch[] {
    const dimensions = this.dimensions;
    if (query.length !== dimensions || this.ids.length === 0) return [];
    const vectors = this.vectors;
    const best: VectorMatch[] = [];
    let floor = -Infinity;
    for (let slot = 0; slot < this.ids.length; slot += 1) {
      if (this.expiries[slot] <= now) continue;
      const base = slot * dimensions;
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      let index = 0;
      for (; index + 3 < dimensions; index += 4) {
        a += vectors[base + index] * query[index];
        b += vectors[base + index + 1] * query[index + 1];
        c += vectors[base + index + 2] * query[index + 2];
        d += vectors[base + index + 3] * query[index + 3];
      }
      for (; index < dimensions; index += 1) a += vectors[base + index] * query[index];
      const similarity = a + b + c + d;
      if (best.length === k && similarity <= floor) continue;
      let at = best.length;
      while (at > 0 && best[at - 1].similarity < similarity) at -= 1;
      best.splice(at, 0, { id: this.ids[slot], similarity });
      if (best.length > k) best.pop();
      if (best.length === k) floor = best[k - 1].similarity;
    }
    return best;
  }
}

/**
 * A {@link VectorIndex} in this process's memory: exact cosine search per partition.
 *
 * @example
 * ```ts
 * const index = new MemoryVectorIndex({ maxEntries: 50_000 });
 * await index.add('p', 'a', [1, 0], Date.now() + 60_000);
 * await index.search('p', [0.9, 0.1], 1); // [{ id: 'a', similarity: 0.99... }]
 * ```
 */
export class MemoryVectorIndex implements VectorIndex {
  readonly kind = 'memory';
  private readonly partitions = new Map<string, Partition>();
  /** Insertion order over every partition, for the bound: [partition, id]. */
  private readonly order = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryVectorIndexOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new GatewayError(
        'config_invalid',
        `maxEntries must be a whole number of at least 1, got ${this.maxEntries}`,
      );
    this.now = options.now ?? Date.now;
  }

  /** Synchronous add, for callers inside this process (the Redis-shared index's reader). */
  addNow(partition: string, id: string, vector: ArrayLike<number>, expiresAt: number): void {
    let entries = this.partitions.get(partition);
    if (entries === undefined) {
      entries = new Partition();
      this.partitions.set(partition, entries);
    }
    entries.add(id, normalizedVector(vector), expiresAt);
    const orderKey = `${partition}\u0000${id}`;
    this.order.delete(orderKey);
    this.order.set(orderKey, partition);
    while (this.order.size > this.maxEntries) {
      const [oldest, owner] = this.order.entries().next().value as [string, string];
      this.order.delete(oldest);
      this.removeFrom(owner, oldest.slice(owner.length + 1));
    }
  }

  async add(partition: string, id: string, vector: ArrayLike<number>, expiresAt: number): Promise<void> {
    this.addNow(partition, id, vector, expiresAt);
  }

  async search(partition: string, vector: ArrayLike<number>, k: number): Promise<VectorMatch[]> {
    return this.searchNow(partition, vector, k);
  }

  /** Synchronous search. */
  searchNow(partition: string, vector: ArrayLike<number>, k: number): VectorMatch[] {
    const entries = this.partitions.get(partition);
    if (entries === undefined || k < 1) return [];
    return entries.search(normalizedVector(vector), k, this.now());
  }

  async delete(partition: string, id: string): Promise<boolean> {
    this.order.delete(`${partition}\u0000${id}`);
    return this.removeFrom(partition, id);
  }

  async clear(partitionPrefix: string): Promise<number> {
    let count = 0;
    for (const [name, entries] of this.partitions) {
      if (!name.startsWith(partitionPrefix)) continue;
      count += entries.ids.length;
      for (const id of entries.ids) this.order.delete(`${name}\u0000${id}`);
      this.partitions.delete(name);
    }
    return count;
  }

  async size(): Promise<number> {
    return this.order.size;
  }

  async close(): Promise<void> {
    this.partitions.clear();
    this.order.clear();
  }

  private removeFrom(partition: string, id: string): boolean {
    const entries = this.partitions.get(partition);
    if (entries === undefined) return false;
    const removed = entries.remove(id);
    if (entries.ids.length === 0) this.partitions.delete(partition);
    return removed;
  }
}
