/**
 * The response cache's HTTP headers, shared by JSON and streamed answers.
 *
 * @module
 */
import type { CacheOutcome } from '../router/router-types.js';

/** Response header saying what the response cache did: `hit`, `semantic`, `miss` or `skip` (absent with no cache). */
export const CACHE_HEADER = 'x-gateway-cache';

/** On a semantic hit: the cosine similarity of the request to the entry that answered (4 decimals). */
export const SIMILARITY_HEADER = 'x-gateway-cache-similarity';

/**
 * The response cache's headers: `x-gateway-cache`, and on a hit `age` (seconds); none without a cache.
 *
 * @example
 * ```ts
 * cacheHeaders({ status: 'hit', ageSeconds: 12 }); // { 'x-gateway-cache': 'hit', age: '12' }
 * cacheHeaders({ status: 'hit', kind: 'semantic', similarity: 0.97 }); // { 'x-gateway-cache': 'semantic', ... }
 * ```
 */
export function cacheHeaders(cache: CacheOutcome | undefined): Record<string, string> | undefined {
  if (!cache) return undefined;
  if (cache.status === 'hit' && cache.kind === 'semantic') {
    return {
      [CACHE_HEADER]: 'semantic',
      [SIMILARITY_HEADER]: (cache.similarity ?? 0).toFixed(4),
      ...(cache.ageSeconds === undefined ? {} : { age: String(cache.ageSeconds) }),
    };
  }
  return cache.status === 'hit' && cache.ageSeconds !== undefined
    ? { [CACHE_HEADER]: cache.status, age: String(cache.ageSeconds) }
    : { [CACHE_HEADER]: cache.status };
}
