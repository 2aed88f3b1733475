/**
 * The response cache's HTTP headers, shared by JSON and streamed answers.
 *
 * @module
 */
import type { CacheOutcome } from '../router/router-types.js';

/** Response header saying what the response cache did: `hit`, `miss` or `skip` (absent with no cache). */
export const CACHE_HEADER = 'x-gateway-cache';

/**
 * The response cache's headers: `x-gateway-cache`, and on a hit `age` (seconds); none without a cache.
 *
 * @example
 * ```ts
 * cacheHeaders({ status: 'hit', ageSeconds: 12 }); // { 'x-gateway-cache': 'hit', age: '12' }
 * ```
 */
export function cacheHeaders(cache: CacheOutcome | undefined): Record<string, string> | undefined {
  if (!cache) return undefined;
  return cache.status === 'hit' && cache.ageSeconds !== undefined
    ? { [CACHE_HEADER]: cache.status, age: String(cache.ageSeconds) }
    : { [CACHE_HEADER]: cache.status };
}
