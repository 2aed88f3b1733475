/**
 * The in-memory {@link KeyValueStore}: one process, bounded by entries and by bytes, the least
 * recently used values evicted first (lru-cache), each value expiring at its own time.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import type { KeyValueSelector, KeyValueStore } from './key-value-store.js';

/**
 * Options of the in-memory key-value store.
 *
 * @example
 * ```ts
 * const options: MemoryKeyValueStoreOptions = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };
 * ```
 */
export interface MemoryKeyValueStoreOptions {
  /** The most values held at once (default 10 000). */
  maxEntries?: number;
  /** The most bytes held at once, counted as two per character of key and value (default 64 MiB). */
  maxBytes?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

interface Held {
  value: string;
  expiresAt: number;
}

/** Separates a namespace from a key inside the map (never in either: a namespace is encoded without it). */
const SEPARATOR = '\u0000';

/**
 * The in-memory key-value store.
 *
 * @example
 * ```ts
 * const store = new MemoryKeyValueStore({ maxEntries: 1_000 });
 * await store.setValue('cache:shared', 'k', 'v', 60_000);
 * await store.getValue('cache:shared', 'k'); // 'v'
 * ```
 */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory';
  private readonly values: LRUCache<string, Held>;
  private readonly now: () => number;
  private readonly maxBytes: number;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxBytes = Math.max(1, Math.floor(options.maxBytes ?? 64 * 1024 * 1024));
    this.values = new LRUCache<string, Held>({
      max: Math.max(1, Math.floor(options.maxEntries ?? 10_000)),
      maxSize: this.maxBytes,
      sizeCalculation: (held, key) => Math.max(1, 2 * (held.value.length + key.length) + 64),
    });
  }

  /** How many values are held (expired ones not yet dropped included). */
  get size(): number {
    return this.values.size;
  }

  /** The bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.values.calculatedSize;
  }

  async getValue(namespace: string, key: string): Promise<string | undefined> {
    return this.read(mapKey(namespace, key));
  }

  async getValues(namespace: string, keys: readonly string[]): Promise<Array<string | undefined>> {
    return keys.map((key) => this.read(mapKey(namespace, key)));
  }

  async setValue(namespace: string, key: string, value: string, ttlMs: number): Promise<void> {
    const name = mapKey(namespace, key);
    // A value larger than the whole store is not held (lru-cache would refuse it anyway), and the old one goes.
    if (2 * (value.length + name.length) + 64 > this.maxBytes) {
      this.values.delete(name);
      return;
    }
    this.values.set(name, { value, expiresAt: this.now() + Math.max(1, Math.ceil(ttlMs)) });
  }

  async deleteValue(namespace: string, key: string): Promise<boolean> {
    const name = mapKey(namespace, key);
    const held = this.values.peek(name);
    if (!held) return false;
    this.values.delete(name);
    return held.expiresAt > this.now();
  }

  async clearValues(selector: KeyValueSelector): Promise<number> {
    const prefix = 'namespace' in selector ? mapKey(selector.namespace, selector.keyPrefix ?? '') : undefined;
    const now = this.now();
    let cleared = 0;
    for (const [name, held] of [...this.values.entries()]) {
      if (
        prefix !== undefined
          ? !name.startsWith(prefix)
          : !matchesPrefixes(name, selector as { namespacePrefix: string; keyPrefix?: string })
      )
        continue;
      this.values.delete(name);
      if (held.expiresAt > now) cleared += 1;
    }
    return cleared;
  }

  async close(): Promise<void> {
    this.values.clear();
  }

  private read(name: string): string | undefined {
    const held = this.values.get(name);
    if (!held) return undefined;
    if (held.expiresAt <= this.now()) {
      this.values.delete(name);
      return undefined;
    }
    return held.value;
  }
}

function mapKey(namespace: string, key: string): string {
  return `${namespace.replaceAll(SEPARATOR, '')}${SEPARATOR}${key}`;
}

function matchesPrefixes(name: string, selector: { namespacePrefix: string; keyPrefix?: string }): boolean {
  const split = name.indexOf(SEPARATOR);
  return (
    name.slice(0, split).startsWith(selector.namespacePrefix) &&
    name.slice(split + 1).startsWith(selector.keyPrefix ?? '')
  );
}
