/**
 * The response cache: the exact cache middleware, its key and its entries.
 *
 * @example
 * ```ts
 * import { responseCache } from 'switchyard';
 * const cache = responseCache({ ttlSeconds: 600 });
 * ```
 *
 * @module
 */
export {
  responseCache,
  type CacheEventSink,
  type RequestCacheOptions,
  type ResponseCache,
  type ResponseCacheConfig,
} from './response-cache.js';
export { canonicalJson, decidingFields, embeddingKeys, languageKey } from './cache-key.js';
export {
  semanticCache,
  SEMANTIC_CACHE_TAG,
  type SemanticCache,
  type SemanticCacheConfig,
} from './semantic-cache.js';
