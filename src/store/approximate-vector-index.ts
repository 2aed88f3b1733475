/**
 * The approximate in-memory vector index: one HNSW graph per partition, from `usearch` (Unum's USearch, an
 * optional peer: `npm install usearch`). Chosen because it is maintained, fast (SIMD distance kernels; a
 * search takes a fraction of a millisecond at 100 000 entries of 1,536 dimensions, see BENCHMARKS.md) and
 * ships prebuilt binaries for Linux, macOS and Windows, so that installing it compiles nothing and runs no
 * install script that matters (npm 11 skips install scripts by default; the prebuild is loaded at run time).
 *
 * By default the graph holds vectors as 8-bit integers (`quantization: 'i8'`, the cheapest to build and to
 * search), and each entry's float32 unit vector is kept beside it: the graph's best candidates are re-ranked
 * by their exact cosine, so the similarity reported is always the true cosine to the stored vector, never the
 * quantized one. With `quantization: 'f32'` the graph's own distances are exact and no copy is kept (the
 * least memory); `f16` halves the graph's vectors.
 *
 * Inserting into an HNSW graph costs around a millisecond at 100 000 entries (much more on a busy machine),
 * too much for a request path: `add` only queues the entry (it is searchable at once, by an exact scan of the
 * queue), and the queue is inserted into the graphs in turns of at most `insertBudgetMs` of the event loop,
 * between other work. `flush()` waits until the queue is empty.
 *
 * Use it for partitions too large for the exact {@link MemoryVectorIndex}; for a few thousand entries per
 * partition the exact one is about as fast and needs nothing.
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
 * const options: ApproximateVectorIndexOptions = { maxEntries: 1_000_000, quantization: 'i8', expansionSearch: 96 };
 * ```
 */
export interface ApproximateVectorIndexOptions {
  /** The most entries kept, over every partition (default 100 000); the oldest goes first. */
  maxEntries?: number;
  /**
   * How the graph stores vectors: `i8` (default: a quarter of float32, the fastest; a float32 copy is kept for
   * exact re-ranking), `f16` (half, same copy) or `f32` (exact distances, no copy: the least memory).
   */
  quantization?: 'f32' | 'f16' | 'i8';
  /** HNSW graph degree (default 16): higher finds more of the true nearest, at more memory and build time. */
  connectivity?: number;
  /** Candidates considered per insertion (default 64): higher builds a better graph, more slowly. */
  expansionAdd?: number;
  /** Candidates considered per search (default 64): higher finds more of the true nearest, more slowly. */
  expansionSearch?: number;
  /** With quantization, how many graph candidates are re-ranked exactly per search, at least (default 16). */
  rerankCandidates?: number;
  /** The most event-loop time one turn of queued insertions takes, in milliseconds (default 2). */
  insertBudgetMs?: number;
  /**
   * The most entries waiting for insertion (default 2 048). Past it, `add` inserts the oldest waiting entries itself
   * before it returns: adds faster than the graph takes them slow the adder down, instead of growing the queue and
   * the exact scan of it that every search makes.
   */
  maxQueued?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

interface UsearchIndex {
  add(key: bigint, vector: Float32Array, threads?: number): void;
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
  /** Keys of the partition's entries still queued for insertion (searched exactly). */
  queued: Set<bigint>;
}

interface Entry {
  partition: string;
  id: string;
  expiresAt: number;
  /** The float32 unit vector: while queued, and always when the graph is quantized (for re-ranking). */
  vector: Float32Array | undefined;
  inserted: boolean;
}

/** The dot product of two unit vectors: their cosine. */
function cosine(a: Float32Array, b: Float32Array): number {
  const length = a.length;
  let first = 0;
  let second = 0;
  let third = 0;
  let fourth = 0;
  let index = 0;
  for (; index + 3 < length; index += 4) {
    first += a[index] * b[index];
    second += a[index + 1] * b[index + 1];
    third += a[index + 2] * b[index + 2];
    fourth += a[index + 3] * b[index + 3];
  }
  for (; index < length; index += 1) first += a[index] * b[index];
  return first + second + third + fourth;
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
 *   index: new ApproximateVectorIndex({ maxEntries: 500_000 }),
 * });
 * ```
 */
export class ApproximateVectorIndex implements VectorIndex {
  readonly kind = 'memory-approximate';
  private readonly graphs = new Map<string, Graph>();
  /** Every entry by key, in insertion order (the first is the oldest). */
  private readonly entries = new Map<bigint, Entry>();
  private readonly keys = new Map<string, bigint>();
  /** Keys waiting for insertion into their graph, oldest first, from `queueStart`. */
  private queue: bigint[] = [];
  private queueStart = 0;
  private scheduled = false;
  private waiters: Array<() => void> = [];
  private nextKey = 1n;
  private readonly maxEntries: number;
  private readonly quantization: 'f32' | 'f16' | 'i8';
  private readonly rerank: boolean;
  private readonly options: ApproximateVectorIndexOptions;
  private readonly now: () => number;
  private module: Promise<UsearchModule> | undefined;
  private usearch: UsearchModule | undefined;

  constructor(options: ApproximateVectorIndexOptions = {}) {
    this.options = options;
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new GatewayError(
        'config_invalid',
        `maxEntries must be a whole number of at least 1, got ${this.maxEntries}`,
      );
    this.quantization = options.quantization ?? 'i8';
    if (!['f32', 'f16', 'i8'].includes(this.quantization))
      throw new GatewayError(
        'config_invalid',
        `quantization must be 'f32', 'f16' or 'i8', got ${String(options.quantization)}`,
      );
    for (const name of ['connectivity', 'expansionAdd', 'expansionSearch', 'rerankCandidates'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isInteger(value) || value < 1))
        throw new GatewayError('config_invalid', `${name} must be a whole number of at least 1, got ${value}`);
    }
    if (options.maxQueued !== undefined && (!Number.isInteger(options.maxQueued) || options.maxQueued < 1))
      throw new GatewayError(
        'config_invalid',
        `maxQueued must be a whole number of at least 1, got ${options.maxQueued}`,
      );
    const budget = options.insertBudgetMs;
    if (budget !== undefined && !(typeof budget === 'number' && budget > 0 && Number.isFinite(budget)))
      throw new GatewayError('config_invalid', `insertBudgetMs must be a positive number, got ${budget}`);
    this.rerank = this.quantization !== 'f32';
    this.now = options.now ?? Date.now;
  }

  /** How many entries wait for insertion into their graph (searchable already, by an exact scan). */
  get queued(): number {
    return this.queue.length - this.queueStart;
  }

  /** Loads `usearch` (once); rejects with `config_invalid` naming the package when it is not installed. */
  ready(): Promise<void> {
    this.module ??= importOptional<UsearchModule & { default?: UsearchModule }>('usearch').then(
      (loaded) => {
        this.usearch = typeof loaded.Index === 'function' ? loaded : (loaded.default as UsearchModule);
        return this.usearch;
      },
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
    const usearch = this.usearch ?? (await this.load());
    const unit = normalizedVector(vector);
    const orderKey = `${partition}\u0000${id}`;
    let graph = this.graphs.get(partition);
    if (graph !== undefined && unit.length !== graph.dimensions)
      throw new GatewayError(
        'invalid_request',
        `A vector of ${unit.length} dimensions cannot join a partition of ${graph.dimensions}`,
      );
    const existing = this.keys.get(orderKey);
    if (existing !== undefined) this.removeKey(existing);
    graph = this.graphs.get(partition);
    if (graph === undefined) {
      graph = {
        dimensions: unit.length,
        queued: new Set(),
        index: new usearch.Index({
          dimensions: unit.length,
          metric: 'cos',
          quantization: this.quantization,
          connectivity: this.options.connectivity ?? 16,
          expansion_add: this.options.expansionAdd ?? 64,
          expansion_search: this.options.expansionSearch ?? 64,
          multi: false,
        }),
      };
      this.graphs.set(partition, graph);
    }
    const key = this.nextKey;
    this.nextKey += 1n;
    this.entries.set(key, { partition, id, expiresAt, vector: unit, inserted: false });
    this.keys.set(orderKey, key);
    graph.queued.add(key);
    this.queue.push(key);
    const maxQueued = this.options.maxQueued ?? 2_048;
    while (this.queue.length - this.queueStart > maxQueued) this.insertNext();
    this.schedule();
    while (this.entries.size > this.maxEntries) this.removeKey(this.entries.keys().next().value as bigint);
  }

  async search(partition: string, vector: ArrayLike<number>, k: number): Promise<VectorMatch[]> {
    const graph = this.graphs.get(partition);
    if (graph === undefined || k < 1) return [];
    const unit = normalizedVector(vector);
    if (unit.length !== graph.dimensions) return [];
    const time = this.now();
    const matches: VectorMatch[] = [];
    const expired: bigint[] = [];
    const size = graph.index.size();
    if (size > 0) {
      const wanted = this.rerank ? Math.max(k * 2, k + 8, this.options.rerankCandidates ?? 16) : k + 8;
      const found = graph.index.search(unit, Math.min(size, wanted), 1);
      for (let index = 0; index < found.keys.length; index += 1) {
        const entry = this.entries.get(found.keys[index]);
        if (entry === undefined || entry.partition !== partition) continue;
        if (entry.expiresAt <= time) {
          expired.push(found.keys[index]);
          continue;
        }
        // usearch's cosine distance is 1 - similarity (exact for f32); quantized graphs are re-ranked.
        const similarity = this.rerank && entry.vector ? cosine(entry.vector, unit) : 1 - found.distances[index];
        matches.push({ id: entry.id, similarity });
      }
    }
    for (const key of graph.queued) {
      const entry = this.entries.get(key);
      if (entry?.vector === undefined) continue;
      if (entry.expiresAt <= time) {
        expired.push(key);
        continue;
      }
      matches.push({ id: entry.id, similarity: cosine(entry.vector, unit) });
    }
    for (const key of expired) this.removeKey(key);
    matches.sort((a, b) => b.similarity - a.similarity);
    if (matches.length > k) matches.length = k;
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

  /** Resolves when every entry added so far is in its graph (queued entries are searchable before that). */
  flush(): Promise<void> {
    if (this.queueStart >= this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.graphs.clear();
    this.entries.clear();
    this.keys.clear();
    this.queue = [];
    this.queueStart = 0;
    this.release();
  }

  private async load(): Promise<UsearchModule> {
    await this.ready();
    return this.usearch as UsearchModule;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.insertQueued();
    });
  }

  /** One turn of insertions: at least one, then as many as fit in the budget; schedules the next turn. */
  private insertQueued(): void {
    const budget = this.options.insertBudgetMs ?? 2;
    const start = performance.now();
    while (this.queueStart < this.queue.length) {
      if (this.insertNext() && performance.now() - start >= budget) break;
    }
    if (this.queueStart < this.queue.length) {
      if (this.queueStart > 4_096) {
        this.queue = this.queue.slice(this.queueStart);
        this.queueStart = 0;
      }
      this.schedule();
      return;
    }
    this.queue = [];
    this.queueStart = 0;
    this.release();
  }

  /** Inserts the oldest queued entry into its graph; false when it was gone (deleted, or already inserted). */
  private insertNext(): boolean {
    const key = this.queue[this.queueStart];
    this.queueStart += 1;
    const entry = this.entries.get(key);
    const graph = entry && this.graphs.get(entry.partition);
    if (entry === undefined || graph === undefined || entry.inserted || entry.vector === undefined) return false;
    graph.index.add(key, entry.vector, 1);
    entry.inserted = true;
    graph.queued.delete(key);
    if (!this.rerank) entry.vector = undefined;
    return true;
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private removeKey(key: bigint): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.keys.delete(`${entry.partition}\u0000${entry.id}`);
    const graph = this.graphs.get(entry.partition);
    if (graph === undefined) return;
    if (entry.inserted) graph.index.remove(key);
    else graph.queued.delete(key);
    if (graph.queued.size === 0 && graph.index.size() === 0) this.graphs.delete(entry.partition);
  }
}
