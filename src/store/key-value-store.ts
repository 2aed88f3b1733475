/**
 * The key-value store interface: opaque string values under a key, in a namespace, each with its own
 * time to live. What a response cache (and later a semantic cache's entries) needs of a store: get one
 * or many, set with a TTL, delete, and clear a namespace (or the part of it whose keys share a prefix).
 *
 * Implementations: {@link MemoryKeyValueStore} (one process, bounded by entries and bytes, least
 * recently used first out) and `RedisStore` (shared by every instance; a namespace's keys share one
 * Redis Cluster hash slot, so that `getValues` is one `MGET` there too).
 *
 * A store that cannot reach its backend rejects with `GatewayError` code `store_unavailable`, quickly;
 * the caller decides what that means (a cache is bypassed).
 *
 * @module
 */

/**
 * Which values `clearValues` deletes: a namespace (all of it, or its keys starting with `keyPrefix`), or
 * every namespace whose name starts with `namespacePrefix`.
 *
 * @example
 * ```ts
 * const selector: KeyValueSelector = { namespace: 'cache:a:team_acme', keyPrefix: '3f2a9c' };
 * const everyAccount: KeyValueSelector = { namespacePrefix: 'cache:' };
 * ```
 */
export type KeyValueSelector =
  | { namespace: string; keyPrefix?: string }
  | { namespacePrefix: string; keyPrefix?: string };

/**
 * A store of string values with a time to live.
 *
 * @example
 * ```ts
 * const store: KeyValueStore = new MemoryKeyValueStore({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
 * await store.setValue('cache:shared', 'key1', '{"text":"Hello"}', 60_000);
 * const value = await store.getValue('cache:shared', 'key1'); // '{"text":"Hello"}'
 * ```
 */
export interface KeyValueStore {
  /** `memory` or `redis`. */
  readonly kind: string;
  /** The value, or undefined when absent or expired. */
  getValue(namespace: string, key: string): Promise<string | undefined>;
  /** Several values of one namespace, in the order of `keys` (one round trip on Redis). */
  getValues(namespace: string, keys: readonly string[]): Promise<Array<string | undefined>>;
  /** Sets a value that expires `ttlMs` from now (at least 1 ms), replacing any value and expiry before. */
  setValue(namespace: string, key: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes a value; false when there was none. */
  deleteValue(namespace: string, key: string): Promise<boolean>;
  /** Deletes the selected values; returns how many were deleted. */
  clearValues(selector: KeyValueSelector): Promise<number>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Escapes a string for a Redis `SCAN MATCH` glob (the characters `*`, `?`, `[`, `]` and `\`).
 *
 * @example
 * ```ts
 * globEscape('a*b'); // 'a\\*b'
 * ```
 */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

/**
 * A namespace as it appears inside a Redis key: URI-encoded, so that it holds no `{`, `}`, `:` or glob
 * character, and so that it can be a Redis Cluster hash tag.
 *
 * @example
 * ```ts
 * encodeNamespace('cache:a:team {1}'); // 'cache%3Aa%3Ateam%20%7B1%7D'
 * ```
 */
export function encodeNamespace(namespace: string): string {
  return encodeURIComponent(namespace).replace(
    /[*!'()~]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
