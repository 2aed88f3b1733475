/**
 * The state stores: the interface, the in-memory store (default) and the Redis store (shared).
 *
 * @example
 * ```ts
 * import { RedisStore } from 'switchyard';
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * ```
 *
 * @module
 */
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { RedisStore, type RedisConnection, type RedisStoreOptions } from './redis-store.js';
export { REDIS_CLUSTER_SLOTS, redisKeySlot } from './redis-key-slot.js';
export {
  migrateRedisStoreLayout,
  type RedisLayoutMigrationOptions,
  type RedisLayoutMigrationReport,
} from './redis-layout-migration.js';
export type {
  MeterCharge,
  MeterHold,
  MeterRef,
  MeterState,
  RecordQuery,
  ReserveRequest,
  ReserveResult,
  SettleRequest,
  SettleResult,
  StateStore,
  StoreOptions,
  StoredRecord,
  WindowAddRequest,
  WindowResult,
  WindowSpec,
} from './store.js';
export { MemoryKeyValueStore, type MemoryKeyValueStoreOptions } from './memory-key-value-store.js';
export type { KeyValueSelector, KeyValueStore } from './key-value-store.js';
export { MemoryVectorIndex, type MemoryVectorIndexOptions } from './memory-vector-index.js';
export { normalizedVector, type VectorIndex, type VectorMatch } from './vector-index.js';
export { SharedVectorIndex, type SharedVectorIndexOptions } from './shared-vector-index.js';
export { ApproximateVectorIndex, type ApproximateVectorIndexOptions } from './approximate-vector-index.js';
export {
  cappedLogSortKey,
  isCappedLogStore,
  type CappedLogEntry,
  type CappedLogRange,
  type CappedLogStore,
} from './capped-log-store.js';
