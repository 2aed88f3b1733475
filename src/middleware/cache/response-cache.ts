/**
 * The exact response cache (issue #14), as a request middleware: a request whose deciding fields (model,
 * messages, system, tools, tool choice, response format, sampling parameters, vendor options) equal
 * those of an answered one is answered from the store, without an attempt: no provider call, no usage
 * event, no billing. Entries are per account unless `scope: 'shared'`.
 *
 * - `generate` and `stream` share entries: a streamed hit replays the stored parts (or parts made from a
 *   generated answer's content), finish part and usage included.
 * - `embed` is cached per value: only the values not in the cache go upstream, in one call.
 * - Only complete answers are stored: not errors, not streams that failed or were cut short, not answers
 *   cut by length (unless `storeTruncated`).
 * - A store that fails (Redis unreachable) is bypassed: the request is served upstream and a `warning`
 *   event fires (at most one every 5 s).
 *
 * @module
 */
import type { AccountReference, CacheEvent } from '../../core/events.js';
import { CacheEvents, type CacheEventSink } from './cache-events.js';
import { GatewayError } from '../../core/errors.js';
import type { CacheOutcome, EmbedManyResult, GenerateResult } from '../../router/router-types.js';
import type { KeyValueSelector, KeyValueStore } from '../../store/key-value-store.js';
import { MemoryKeyValueStore } from '../../store/memory-key-value-store.js';
import type { StreamPart } from '../../core/types.js';
import type { MiddlewareHost, PipelineStream, RequestMiddleware, RequestRun } from '../middleware.js';
import type { BillingOptions } from '../../billing/billing.js';
import { cacheNamespace, embeddingKeys, languageKey, modelTag, shortKey } from './cache-key.js';
import {
  decodeVector,
  embedResultOfEntries,
  encodeVector,
  languageEntry,
  languageHit,
  parseEntry,
  partsOfEntry,
  resultOfEntry,
  shares,
  type EmbeddingEntry,
  type LanguageEntry,
} from './cache-entry.js';

/**
 * Configuration of the exact response cache.
 *
 * @example
 * ```ts
 * const config: ResponseCacheConfig = {
 *   ttlSeconds: 600,
 *   maxEntries: 50_000,
 *   scope: 'account',
 *   models: { 'openai/gpt-4o': { ttlSeconds: 3_600 } },
 *   when: (run) => run.request.temperature === 0,
 * };
 * ```
 */
export interface ResponseCacheConfig {
  /** How long an entry lives (default 3 600 s); a model's or a request's own TTL wins. */
  ttlSeconds?: number;
  /** Per model (as requested, `creator/model`): its own TTL. */
  models?: Record<string, { ttlSeconds?: number }>;
  /** The in-memory store's bound in entries (default 10 000; not used with `store`). */
  maxEntries?: number;
  /** The in-memory store's bound in bytes (default 64 MiB; not used with `store`). */
  maxBytes?: number;
  /** An answer larger than this (as stored JSON, in characters) is not stored (default 1 MiB). */
  maxEntryBytes?: number;
  /** `account` (default): an account only ever sees its own entries; `shared`: every account sees every entry. */
  scope?: 'account' | 'shared';
  /** Which requests the cache serves and stores (default: all). A request it refuses is a `skip`. */
  when?: (run: RequestRun) => boolean;
  /** Also store answers cut by length (finish reason `length`); default false. */
  storeTruncated?: boolean;
  /** Where entries live (default: in memory, bounded by `maxEntries` and `maxBytes`); a `RedisStore` shares them. */
  store?: KeyValueStore;
  /** Where `cache` and `warning` events go (or call `cache.attach(router)`). */
  emit?: CacheEventSink;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * A request's own cache controls: `providerOptions.gateway.cache` (over HTTP also `Cache-Control`).
 *
 * @example
 * ```ts
 * await router.generate({ model, prompt, providerOptions: { gateway: { cache: { skip: true } } } });
 * ```
 */
export interface RequestCacheOptions {
  /** How long this answer is kept, when stored (0: not stored). */
  ttlSeconds?: number;
  /** Do not answer from the cache (`Cache-Control: no-cache`); the fresh answer is still stored. */
  skip?: boolean;
  /** Do not store this answer (`Cache-Control: no-store`); a stored one may still answer. */
  noStore?: boolean;
}

/**
 * The exact response cache: a {@link RequestMiddleware}, and the means to clear it.
 *
 * @example
 * ```ts
 * const cache = responseCache({ ttlSeconds: 600 });
 * const router = new Router({ providers, middleware: [cache] });
 * cache.attach(router);
 * await cache.clear({ account: 'team_acme', model: 'openai/gpt-4o' });
 * ```
 */
export interface ResponseCache extends RequestMiddleware {
  readonly name: 'response-cache';
  readonly store: KeyValueStore;
  /**
   * Deletes entries: an account's (with `scope: 'account'`), a model's, both, or all. Returns how many.
   * With `scope: 'shared'`, `account` is ignored (entries belong to no account).
   */
  clear(selector?: { account?: string; model?: string }): Promise<number>;
  /**
   * Sends the cache's events to a router (or anything with the router's `emit`); a router also records each hit
   * with its hooks before it is served (billing: {@link BillingOptions.billCacheHits}).
   */
  attach(target: { emit: CacheEventSink; recordCacheHit?: MiddlewareHost['recordCacheHit'] }): void;
}

/** What one request does with the cache. */
interface Plan {
  namespace: string;
  read: boolean;
  write: boolean;
  ttlMs: number;
}

const STORED_FINISH = new Set(['stop', 'tool-calls']);

/**
 * Builds the exact response cache middleware.
 *
 * @example
 * ```ts
 * import { Router, RedisStore, responseCache } from 'switchyard';
 * const cache = responseCache({ ttlSeconds: 600, store: new RedisStore({ url: process.env.REDIS_URL }) });
 * const router = new Router({ providers: { openai: { apiKey: process.env.OPENAI_API_KEY } }, middleware: [cache] });
 * cache.attach(router); // `cache` and `warning` events on the router
 * ```
 */
export function responseCache(config: ResponseCacheConfig = {}): ResponseCache {
  const store = config.store ?? new MemoryKeyValueStore({ maxEntries: config.maxEntries, maxBytes: config.maxBytes });
  const scope = config.scope ?? 'account';
  if (scope !== 'account' && scope !== 'shared')
    throw new GatewayError('config_invalid', `cache.scope must be 'account' or 'shared', got ${JSON.stringify(scope)}`);
  const defaultTtlSeconds = checkTtl(config.ttlSeconds ?? 3_600, 'cache.ttlSeconds', 'config_invalid');
  for (const [model, options] of Object.entries(config.models ?? {}))
    if (options.ttlSeconds !== undefined)
      checkTtl(options.ttlSeconds, `cache.models.${model}.ttlSeconds`, 'config_invalid');
  const maxEntryBytes = config.maxEntryBytes ?? 1024 * 1024;
  const now = config.now ?? Date.now;
  const events = new CacheEvents('exact', now, 'The response cache', config.emit);
  const event = events.event.bind(events);
  const storeFailed = (action: string, error: unknown): void => events.failed(`${action} (${store.kind} store)`, error);

  const plan = (run: RequestRun): Plan | string => {
    const options = requestCacheOptions(run);
    if (config.when && !config.when(run)) return 'when';
    const ttlSeconds = options.ttlSeconds ?? config.models?.[run.model]?.ttlSeconds ?? defaultTtlSeconds;
    const read = options.skip !== true;
    const write = options.noStore !== true && ttlSeconds > 0;
    if (!read && !write) return 'request';
    return { namespace: cacheNamespace(scope, run.account), read, write, ttlMs: ttlSeconds * 1_000 };
  };

  const readEntry = async (run: RequestRun, steps: Plan, key: string): Promise<LanguageEntry | undefined | false> => {
    if (!steps.read) return undefined;
    let text: string | undefined;
    try {
      text = await store.getValue(steps.namespace, key);
    } catch (error) {
      storeFailed('be read', error);
      return false;
    }
    return text === undefined ? undefined : parseEntry(text, 'language');
  };

  const write = (
    run: RequestRun,
    steps: Plan,
    key: string,
    entry: LanguageEntry | EmbeddingEntry,
    eventKey = key,
  ): void => {
    const text = JSON.stringify(entry);
    if (text.length > maxEntryBytes) return;
    store.setValue(steps.namespace, key, text, steps.ttlMs).then(
      () => event(run, 'store', { key: shortKey(eventKey) }),
      (error: unknown) => storeFailed('store an answer', error),
    );
  };

  const storable = (result: GenerateResult): boolean =>
    STORED_FINISH.has(result.finishReason.unified) ||
    (config.storeTruncated === true && result.finishReason.unified === 'length');

  const hitOutcome = (
    entry: LanguageEntry | EmbeddingEntry,
    key: string,
    savedCostNano: number,
  ): NonNullable<GenerateResult['cache']> => ({
    status: 'hit',
    key: shortKey(key),
    ageSeconds: Math.max(0, Math.floor((now() - entry.createdAt) / 1_000)),
    savedCostNano,
  });

  const cache: ResponseCache = {
    name: 'response-cache',
    store,

    async wrapGenerate(run, next) {
      const steps = plan(run);
      if (typeof steps === 'string') return skipped(run, steps, await next());
      const key = languageKey(run.model, run.request);
      const entry = await readEntry(run, steps, key);
      if (entry) {
        const pending = events.recordHit(run, languageHit(entry));
        if (pending) await pending;
        const outcome = hitOutcome(entry, key, entry.costNano);
        event(run, 'hit', { key: outcome.key, savedCostNano: entry.costNano, ageSeconds: outcome.ageSeconds });
        return resultOfEntry(entry, run, outcome, now());
      }
      if (entry === false) return skipped(run, 'unavailable', await next());
      if (steps.read) event(run, 'miss', { key: shortKey(key) });
      const result = await next();
      // A semantic cache inside this one answered: keep its outcome, and do not store its answer under this key.
      if (result.cache?.status === 'hit') return result;
      result.cache = { status: steps.read ? 'miss' : 'skip', key: shortKey(key) };
      if (steps.write && storable(result)) write(run, steps, key, languageEntry(result, undefined, now()));
      return result;
    },

    async wrapStream(run, next) {
      const steps = plan(run);
      if (typeof steps === 'string') return skippedStream(run, steps, await next());
      const key = languageKey(run.model, run.request);
      const entry = await readEntry(run, steps, key);
      if (entry) {
        const pending = events.recordHit(run, languageHit(entry));
        if (pending) await pending;
        const outcome = hitOutcome(entry, key, entry.costNano);
        event(run, 'hit', { key: outcome.key, savedCostNano: entry.costNano, ageSeconds: outcome.ageSeconds });
        return {
          parts: replay(partsOfEntry(entry)),
          result: Promise.resolve(resultOfEntry(entry, run, outcome, now())),
          cache: outcome,
        };
      }
      if (entry === false) return skippedStream(run, 'unavailable', await next());
      if (steps.read) event(run, 'miss', { key: shortKey(key) });
      const inner = await next();
      if (inner.cache?.status === 'hit') return inner;
      const status = steps.read ? 'miss' : 'skip';
      const outcome: CacheOutcome = { status, key: shortKey(key) };
      const result = withOutcome(inner.result, outcome);
      if (!steps.write) return { parts: inner.parts, result, cache: outcome };
      const collected: StreamPart[] = [];
      const parts = async function* (): AsyncGenerator<StreamPart> {
        let failed = false;
        let ended = false;
        let finished = false;
        try {
          for await (const part of inner.parts) {
            if (part.type === 'error') failed = true;
            else if (part.type === 'finish') finished = true;
            if (!failed) collected.push(part);
            yield part;
          }
          ended = true;
        } finally {
          // Stored only when the caller read the whole stream, it ended with a finish part, nothing failed and nobody
          // aborted.
          if (ended && finished && !failed && !run.abort?.aborted) {
            inner.result.then(
              (answer) => {
                if (storable(answer)) write(run, steps, key, languageEntry(answer, collected, now()));
              },
              () => undefined,
            );
          }
        }
      };
      return { parts: parts(), result, cache: outcome };
    },

    async wrapEmbed(run, next) {
      const values = run.values ?? [];
      const steps = values.length === 0 ? 'empty' : plan(run);
      if (typeof steps === 'string') return skipped(run, steps, await next());
      const keys = embeddingKeys(run.model, run.request, values, run.dimensions);
      let entries: Array<EmbeddingEntry | undefined> = [];
      if (steps.read) {
        try {
          entries = (await store.getValues(steps.namespace, keys)).map((text) =>
            text === undefined ? undefined : parseEntry(text, 'embedding'),
          );
        } catch (error) {
          storeFailed('be read', error);
          return skipped(run, 'unavailable', await next());
        }
      }
      let hits = 0;
      let savedCostNano = 0;
      let oldest: EmbeddingEntry | undefined;
      for (const entry of entries) {
        if (!entry) continue;
        hits += 1;
        savedCostNano += entry.costNano;
        if (!oldest || entry.createdAt < oldest.createdAt) oldest = entry;
      }
      if (hits > 0 && oldest) {
        const pending = events.recordHit(run, {
          savedCostNano,
          model: oldest.model,
          provider: oldest.provider,
          providerModelId: oldest.providerModelId,
          values: hits,
        });
        if (pending) await pending;
      }
      if (steps.read && hits === values.length && oldest) {
        const outcome = { ...hitOutcome(oldest, keys[0], savedCostNano), hitValues: hits };
        event(run, 'hit', {
          key: outcome.key,
          savedCostNano,
          ageSeconds: outcome.ageSeconds,
          values: { hits, total: values.length },
        });
        return embedResultOfEntries(entries as EmbeddingEntry[], run, outcome);
      }
      // The values to embed upstream: each missing one once, in the order they first appear.
      const missing: string[] = [];
      const missingKeys: string[] = [];
      const position = new Map<string, number>();
      for (const [index, value] of values.entries()) {
        if (entries[index] || position.has(value)) continue;
        position.set(value, missing.length);
        missing.push(value);
        missingKeys.push(keys[index]);
      }
      if (steps.read) {
        const fields: Partial<CacheEvent> = { key: shortKey(keys[0]), values: { hits, total: values.length } };
        event(run, hits > 0 ? 'hit' : 'miss', hits > 0 ? { ...fields, savedCostNano } : fields);
      }
      run.values = missing;
      let result: EmbedManyResult;
      try {
        result = await next();
      } finally {
        run.values = values;
      }
      if (result.embeddings.length !== missing.length)
        throw new GatewayError(
          'internal_error',
          `The embedding call answered ${result.embeddings.length} embeddings for ${missing.length} values`,
        );
      const embeddings = values.map((value, index) => {
        const entry = entries[index];
        return entry ? decodeVector(entry.embedding) : result.embeddings[position.get(value) as number];
      });
      if (steps.write) {
        const tokens = shares(result.usage.tokens, missing);
        const costs = shares(result.cost.total, missing);
        const createdAt = now();
        for (const [index, embedding] of result.embeddings.entries()) {
          const entry: EmbeddingEntry = {
            v: 1,
            kind: 'embedding',
            createdAt,
            model: result.model,
            provider: result.provider,
            providerModelId: result.providerModelId,
            embedding: encodeVector(embedding),
            tokens: tokens[index],
            costNano: costs[index],
          };
          write(run, steps, missingKeys[index], entry);
        }
      }
      const status = steps.read ? 'miss' : 'skip';
      return {
        ...result,
        embeddings,
        cache: { status, key: shortKey(keys[0]), hitValues: hits, ...(hits > 0 ? { savedCostNano } : {}) },
      };
    },

    async clear(selector = {}) {
      const keyPrefix = selector.model === undefined ? undefined : `${modelTag(selector.model)}.`;
      const target: KeyValueSelector =
        scope === 'shared'
          ? { namespace: cacheNamespace('shared', undefined), keyPrefix }
          : selector.account !== undefined
            ? { namespace: cacheNamespace('account', { id: selector.account } as AccountReference), keyPrefix }
            : { namespacePrefix: 'cache:', keyPrefix };
      return store.clearValues(target);
    },

    attach(target) {
      events.sink = (name, ...args) => target.emit(name, ...args);
      events.attachRecorder(target);
    },
  };

  function skipped<T extends GenerateResult | EmbedManyResult>(run: RequestRun, reason: string, result: T): T {
    if (reason !== 'empty') event(run, 'skip', { reason });
    result.cache = { status: 'skip' };
    return result;
  }

  function skippedStream(run: RequestRun, reason: string, inner: PipelineStream): PipelineStream {
    event(run, 'skip', { reason });
    return { parts: inner.parts, result: withOutcome(inner.result, { status: 'skip' }), cache: { status: 'skip' } };
  }

  return cache;
}

/**
 * The result with the cache's outcome set; handled, so that a caller who never reads it sees no unhandled rejection.
 */
function withOutcome(
  result: Promise<GenerateResult>,
  outcome: NonNullable<GenerateResult['cache']>,
): Promise<GenerateResult> {
  const derived = result.then((answer) => {
    answer.cache = outcome;
    return answer;
  });
  derived.catch(() => undefined);
  return derived;
}

async function* replay(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  for (const part of parts) yield part;
}

/**
 * The request's `providerOptions.gateway.cache`, checked (a 400 `invalid_request` saying what is wrong).
 *
 * @example
 * ```ts
 * const { skip, noStore, ttlSeconds } = requestCacheOptions(run);
 * ```
 */
export function requestCacheOptions(run: RequestRun): RequestCacheOptions {
  const value = run.request.providerOptions?.gateway?.cache;
  if (value === undefined || value === null) return {};
  const path = 'providerOptions.gateway.cache';
  if (typeof value !== 'object' || Array.isArray(value))
    throw new GatewayError('invalid_request', `\`${path}\` must be an object ({ ttlSeconds, skip, noStore })`, {
      param: path,
    });
  const options = value as Record<string, unknown>;
  for (const flag of ['skip', 'noStore'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new GatewayError('invalid_request', `\`${path}.${flag}\` must be a boolean`, { param: `${path}.${flag}` });
  }
  if (options.ttlSeconds !== undefined) checkTtl(options.ttlSeconds, `${path}.ttlSeconds`, 'invalid_request');
  return options as RequestCacheOptions;
}

function checkTtl(value: unknown, name: string, code: 'invalid_request' | 'config_invalid'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new GatewayError(
      code,
      `\`${name}\` must be a number of seconds, 0 or more, got ${JSON.stringify(value)}`,
      code === 'invalid_request' ? { param: name } : {},
    );
  }
  return value;
}

export type { CacheEventSink };
