/**
 * The approximate in-memory vector index: one HNSW graph per partition, from `usearch` (Unum's USearch, an
 * optional peer: `npm install usearch`). Chosen because it is maintained, fast (SIMD distance kernels, a
 * search in well under a millisecond at 100 000 entries of 1,536 dimensions) and ships prebuilt binaries for
 * Linux, macOS and Windows, so that installing it compiles nothing. Vectors may be stored in half precision
 * (`quantization: 'f16'`, half the memory of `f32`) or as 8-bit integers (`i8`, a quarter).
 *
 * Use it for partitions too large for the exact {@link MemoryVectorIndex}; for a few thousand entries per
 * partition the exact one is as fast and needs nothing.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import { importOptional } from '../core/optional-import.js';
import { normalizedVector, type VectorIndex, type VectorMatch } from './vector-index.js';

/**
 * Options of an {@link ApproximateVectorIndex}.
 *
 * @example
 * ```ts
 * const options: ApproximateVectorIndexOptions = { maxEntries: 1_000_000, quantization: 'f16' };
 * ```
 */
export interface ApproximateVectorIndexOptions {
  /** The most entries kept, over every partition (default 100 000); the oldest goes first. */
  maxEntries?: number;
  /** How vectors are stored: `f32` (default), `f16` (half the memory) or `i8` (a quarter). */
  quantization?: 'f32' | 'f16' | 'i8';
  /** HNSW graph degree (default 16): higher finds more of the true nearest, at more memory. */
  connectivity?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

interface UsearchIndex {
  add(key: bigint, vector: Float32Array): void;
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  remove(key: bigint): number;
  size(): number;
}

interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
}

interface Graph {
  index: UsearchIndex;
  dimensions: number;
}

/**
 * A {@link VectorIndex} over HNSW graphs (approximate nearest neighbours), one per partition.
 *
 * @throws GatewayError `config_invalid` on first use when `usearch` is not installed, naming the package.
 *
 * @example
 * ```ts
 * const semantic = semanticCache({
 *   embeddingModel: 'openai/text-embedding-3-small',
 *   index: new ApproximateVectorIndex({ maxEntries: 500_000, quantization: 'f16' }),
 * });
 * ```
 */
export class ApproximateVectorIndex implements VectorIndex {
  readonly kind = 'memory-approximate';
  private readonly graphs = new Map<string, Graph>();
  /** Every entry: its partition, id and expiry, by key. */
  private readonly entries = new Map<bigint, { partition: string; id: string; expiresAt: number }>();
  private readonly keys = new Map<string, bigint>();
  private nextKey = 1n;
  private readonly maxEntries: number;
  private readonly options: ApproximateVectorIndexOptions;
  private readonly now: () => number;
  private module: Promise<UsearchModule> | undefined;

  constructor(options: ApproximateVectorIndexOptions = {}) {
    this.options = options;
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new GatewayError(
        'config_invalid',
        `maxEntries must be a whole number of at least 1, got ${this.maxEntries}`,
      );
    this.now = options.now ?? Date.now;
  }

  /** Loads `usearch` (once); rejects with `config_invalid` naming the package when it is not installed. */
  ready(): Promise<void> {
    this.module ??= importOptional<UsearchModule & { default?: UsearchModule }>('usearch').then(
      (loaded) => (typeof loaded.Index === 'function' ? loaded : (loaded.default as UsearchModule)),
      (error: unknown) => {
        this.module = undefined;
        throw new GatewayError(
          'config_invalid',
          `ApproximateVectorIndex needs the optional package 'usearch': npm install usearch (${
            error instanceof Error ? error.message : String(error)
          })`,
        );
      },
    );
    return this.module.then(() => undefined);
  }

  async add(partition: string, id: string, vector: ArrayLike<number>, expiresAt: number): Promise<void> {
    const usearch = await this.load();
    const unit = normalizedVector(vector);
    const orderKey = `${partition}\u0000${id}`;
    const existing = this.keys.get(orderKey);
    if (existing !== undefined) this.removeKey(existing);
    let graph = this.graphs.get(partition);
    if (graph === undefined) {
      graph = {
        dimensions: unit.length,
        index: new usearch.Index({
          dimensions: unit.length,
          metric: 'cos',
          quantization: this.options.quantization ?? 'f32',
          connectivity: this.options.connectivity ?? 16,
          expansion_add: 128,
          expansion_search: 64,
          multi: false,
        }),
      };
      this.graphs.set(partition, graph);
    }
    if (unit.length !== graph.dimensions)
      throw new GatewayError(
        'invalid_request',
        `A vector of ${unit.length} dimensions cannot join a partition of ${graph.dimensions}`,
      );
    const key = this.nextKey;
    this.nextKey += 1n;
    graph.index.add(key, unit);
    this.entries.set(key, { partition, id, expiresAt });
    this.keys.set(orderKey, key);
    // Map iteration follows insertion: the first key is the oldest entry.
    while (this.entries.size > this.maxEntries) this.removeKey(this.entries.keys().next().value as bigint);
  }

  async search(partition: string, vector: ArrayLike<number>, k: number): Promise<VectorMatch[]> {
    const graph = this.graphs.get(partition);
    if (graph === undefined || k < 1) return [];
    const unit = normalizedVector(vector);
    if (unit.length !== graph.dimensions) return [];
    const size = graph.index.size();
    if (size === 0) return [];
    const found = graph.index.search(unit, Math.min(size, k + 8), 1);
    const time = this.now();
    const matches: VectorMatch[] = [];
    for (let index = 0; index < found.keys.length && matches.length < k; index += 1) {
      const entry = this.entries.get(found.keys[index]);
      if (entry === undefined) continue;
      if (entry.expiresAt <= time) {
        this.removeKey(found.keys[index]);
        continue;
      }
      // usearch's cosine distance is 1 - similarity.
      matches.push({ id: entry.id, similarity: 1 - found.distances[index] });
    }
    return matches;
  }

  async delete(partition: string, id: string): Promise<boolean> {
    const key = this.keys.get(`${partition}\u0000${id}`);
    if (key === undefined) return false;
    this.removeKey(key);
    return true;
  }

  async clear(partitionPrefix: string): Promise<number> {
    let count = 0;
    for (const [key, entry] of this.entries) {
      if (!entry.partition.startsWith(partitionPrefix)) continue;
      this.removeKey(key);
      count += 1;
    }
    return count;
  }

  async size(): Promise<number> {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.graphs.clear();
    this.entries.clear();
    this.keys.clear();
  }

  private async load(): Promise<UsearchModule> {
    await this.ready();
    return this.module as Promise<UsearchModule>;
  }

  private removeKey(key: bigint): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.keys.delete(`${entry.partition}\u0000${entry.id}`);
    const graph = this.graphs.get(entry.partition);
    graph?.index.remove(key);
    if (graph && graph.index.size() === 0) this.graphs.delete(entry.partition);
  }
}
