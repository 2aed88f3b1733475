/**
 * The vector index interface, what a semantic cache needs of one: add a vector under an id in a partition,
 * find the nearest ones in a partition, delete, count. Similarity is cosine (vectors are compared as unit
 * vectors). Entries carry an expiry; an expired entry is never returned.
 *
 * Implementations: {@link MemoryVectorIndex} (one process, exact, no dependency), `ApproximateVectorIndex`
 * (HNSW graphs from the optional peer `usearch`, for large partitions) and `SharedVectorIndex` (every instance
 * sees every entry: the vectors go through a log in the store, which each instance reads into its own local
 * index). Every implementation reports the true cosine to the stored vector, whatever it stores internally.
 *
 * @module
 */

/**
 * One nearest entry: its id and its cosine similarity to the query (1 for the same direction).
 *
 * @example
 * ```ts
 * const match: VectorMatch = { id: 'sem_01J...', similarity: 0.97 };
 * ```
 */
export interface VectorMatch {
  id: string;
  similarity: number;
}

/**
 * A vector index partitioned by an exact key (a semantic cache's partition: account, model, system prompt,
 * tools...): a search only ever looks inside one partition.
 *
 * @example
 * ```ts
 * const index: VectorIndex = new MemoryVectorIndex({ maxEntries: 100_000 });
 * await index.add('cache:a:team_acme|6a1f', 'sem_1', vector, Date.now() + 3_600_000);
 * const [best] = await index.search('cache:a:team_acme|6a1f', query, 1);
 * ```
 */
export interface VectorIndex {
  /** `memory` or `redis`. */
  readonly kind: string;
  /** Adds (or replaces) an entry that expires at `expiresAt` (epoch milliseconds). */
  add(partition: string, id: string, vector: ArrayLike<number>, expiresAt: number): Promise<void>;
  /** The `k` most similar live entries of the partition, most similar first. */
  search(partition: string, vector: ArrayLike<number>, k: number): Promise<VectorMatch[]>;
  /** Deletes an entry; false when there was none. */
  delete(partition: string, id: string): Promise<boolean>;
  /** Deletes every entry of the partitions whose name starts with `partitionPrefix` (all with ''); how many. */
  clear(partitionPrefix: string): Promise<number>;
  /** How many entries it holds (expired ones not yet dropped included). */
  size(): Promise<number>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The vector as a unit vector of 32-bit floats (a zero vector stays zero: it is similar to nothing).
 *
 * @example
 * ```ts
 * normalizedVector([3, 4]); // Float32Array [0.6, 0.8]
 * ```
 */
export function normalizedVector(vector: ArrayLike<number>): Float32Array {
  const unit = Float32Array.from(vector as ArrayLike<number>);
  let norm = 0;
  for (let index = 0; index < unit.length; index += 1) norm += unit[index] * unit[index];
  if (norm === 0) return unit;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < unit.length; index += 1) unit[index] *= scale;
  return unit;
}
