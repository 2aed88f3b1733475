/**
 * The semantic response cache (issue #14), as a request middleware: a request whose last user message
 * means what an answered one's did (the cosine similarity of their embeddings is at least the threshold,
 * 0.95 by default) is answered from the store, without an attempt, if everything else that decides the answer
 * is the same: the partition (account unless `scope: 'shared'`, model, system prompt, earlier turns, tools,
 * response format, sampling parameters, vendor options) must match exactly.
 *
 * The request's user content is embedded through the router's own embedding path (`embeddingModel`: routed,
 * failed over and billed as any call, tagged `switchyard:semantic-cache`), or by a function of the caller's.
 * Entries live in a key-value store (memory, or Redis to share them) and their vectors in a
 * {@link VectorIndex} (memory, or Redis-shared).
 *
 * Put it after the exact cache (`middleware: [responseCache(), semanticCache({...})]`): an exact hit then
 * costs no embedding call.
 *
 * @module
 */
import { hash } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import type { CacheEvent } from '../../core/events.js';
import { createUlid } from '../../core/ids.js';
import type { Message, StreamPart } from '../../core/types.js';
import { modelAllowed } from '../../catalog/model-directory.js';
import type { CacheOutcome, GenerateResult, NormalizedRequest } from '../../router/router-types.js';
import type { KeyValueStore } from '../../store/key-value-store.js';
import { MemoryKeyValueStore } from '../../store/memory-key-value-store.js';
import { MemoryVectorIndex } from '../../store/memory-vector-index.js';
import type { VectorIndex } from '../../store/vector-index.js';
import type { MiddlewareHost, PipelineStream, RequestMiddleware, RequestRun } from '../middleware.js';
import {
  languageEntry,
  languageHit,
  parseEntry,
  partsOfEntry,
  resultOfEntry,
  type LanguageEntry,
} from './cache-entry.js';
import { cacheNamespace, canonicalJson, decidingFields, modelTag } from './cache-key.js';
import { CacheEvents, type CacheEventSink } from './cache-events.js';
import { requestCacheOptions } from './response-cache.js';

/**
 * Configuration of the semantic cache.
 *
 * @example
 * ```ts
 * const config: SemanticCacheConfig = {
 *   embeddingModel: 'openai/text-embedding-3-small',
 *   threshold: 0.95,
 *   models: ['openai/*', 'anthropic/claude-sonnet-4'],
 *   ttlSeconds: 3_600,
 * };
 * ```
 */
export interface SemanticCacheConfig {
  /** The catalog embedding model the requests' user content is embedded with (through the router). */
  embeddingModel?: string;
  /** Embeds a text instead of the router (then `embeddingModel` is not needed). */
  embed?: (text: string, run: RequestRun) => Promise<ArrayLike<number>>;
  /** The least cosine similarity that answers from an entry (default 0.95). */
  threshold?: number;
  /** The models (as requested; patterns such as `openai/*`) whose requests it serves (default: every model). */
  models?: readonly string[];
  /** Which requests it serves and stores, beside `models` (default: all). */
  when?: (run: RequestRun) => boolean;
  /** How long an entry lives (default 3 600 s); a request's own `providerOptions.gateway.cache.ttlSeconds` wins. */
  ttlSeconds?: number;
  /** `account` (default): an account only ever sees its own entries; `shared`: every account sees every entry. */
  scope?: 'account' | 'shared';
  /** User content longer than this (in characters) is not embedded: a `skip` (default 8 000). */
  maxTextCharacters?: number;
  /** Where entries live (default: in memory); a `RedisStore` shares them. */
  store?: KeyValueStore;
  /** Where vectors live (default: an exact in-memory index of at most `maxEntries`). */
  index?: VectorIndex;
  /** The default index's and store's bound in entries (default 10 000). */
  maxEntries?: number;
  /** Also store answers cut by length; default false. */
  storeTruncated?: boolean;
  /** Where `cache` and `warning` events go (default: the router the middleware is given to). */
  emit?: CacheEventSink;
  /** Clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * The semantic cache: a {@link RequestMiddleware}, and the means to clear it.
 *
 * @example
 * ```ts
 * const semantic = semanticCache({ embeddingModel: 'openai/text-embedding-3-small' });
 * const router = new Router({ providers, middleware: [responseCache(), semantic] });
 * await semantic.clear({ account: 'team_acme' });
 * ```
 */
export interface SemanticCache extends RequestMiddleware {
  readonly name: 'semantic-cache';
  readonly store: KeyValueStore;
  readonly index: VectorIndex;
  /** Deletes entries: an account's, a model's, both, or all. Returns how many entries were deleted. */
  clear(selector?: { account?: string; model?: string }): Promise<number>;
}

/** The tag of the embedding calls the cache makes, in their usage events. */
export const SEMANTIC_CACHE_TAG = 'switchyard:semantic-cache';

const STORED_FINISH = new Set(['stop', 'tool-calls']);
const PARTITION_VERSION = 1;

interface Lookup {
  namespace: string;
  partition: string;
  /** The store key of a new entry's id: `<model tag>.<id>`. */
  tag: string;
  vector: ArrayLike<number>;
  read: boolean;
  write: boolean;
  ttlMs: number;
}

/**
 * Builds the semantic cache middleware.
 *
 * @throws GatewayError `config_invalid` when neither `embeddingModel` nor `embed` is given, or a bound is wrong.
 *
 * @example
 * ```ts
 * import { Router, responseCache, semanticCache } from 'switchyard';
 * const router = new Router({
 *   providers: { openai: { apiKey: process.env.OPENAI_API_KEY } },
 *   middleware: [responseCache(), semanticCache({ embeddingModel: 'openai/text-embedding-3-small', threshold: 0.95 })],
 * });
 * ```
 */
export function semanticCache(config: SemanticCacheConfig): SemanticCache {
  if (!config || (typeof config.embeddingModel !== 'string' && typeof config.embed !== 'function'))
    throw new GatewayError(
      'config_invalid',
      'semanticCache needs `embeddingModel` (a catalog embedding model) or `embed`',
    );
  const threshold = config.threshold ?? 0.95;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
    throw new GatewayError('config_invalid', `semanticCache.threshold must be a number in (0, 1], got ${threshold}`);
  const ttlSeconds = config.ttlSeconds ?? 3_600;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds < 0)
    throw new GatewayError('config_invalid', `semanticCache.ttlSeconds must be 0 or more, got ${ttlSeconds}`);
  const scope = config.scope ?? 'account';
  if (scope !== 'account' && scope !== 'shared')
    throw new GatewayError('config_invalid', `semanticCache.scope must be 'account' or 'shared', got ${String(scope)}`);
  const maxEntries = config.maxEntries ?? 10_000;
  const maxText = config.maxTextCharacters ?? 8_000;
  const store = config.store ?? new MemoryKeyValueStore({ maxEntries });
  const index = config.index ?? new MemoryVectorIndex({ maxEntries, now: config.now });
  const now = config.now ?? Date.now;
  const events = new CacheEvents('semantic', now, 'The semantic cache', config.emit);
  const event = events.event.bind(events);
  const failed = events.failed.bind(events);
  let host: MiddlewareHost | undefined;

  const embed = async (text: string, run: RequestRun): Promise<ArrayLike<number>> => {
    if (config.embed) return config.embed(text, run);
    if (!host) throw new GatewayError('config_invalid', 'semanticCache is not attached to a router');
    const result = await host.embedMany({
      model: config.embeddingModel as string,
      values: [text],
      tags: [SEMANTIC_CACHE_TAG],
      ...(run.account ? { account: run.account } : {}),
      ...(run.user ? { user: run.user } : {}),
    });
    return result.embeddings[0];
  };

  /** What the request does with the cache, or why it does nothing (a skip's reason). */
  const lookup = async (run: RequestRun): Promise<Lookup | string> => {
    if (config.models && !config.models.some((pattern) => modelAllowed([pattern], run.model))) return 'model';
    if (config.when && !config.when(run)) return 'when';
    const options = requestCacheOptions(run);
    const ttl = options.ttlSeconds ?? ttlSeconds;
    const read = options.skip !== true;
    const write = options.noStore !== true && ttl > 0;
    if (!read && !write) return 'request';
    const split = splitPrompt(run.request);
    if (typeof split === 'string') return split;
    if (split.text.length > maxText) return 'size';
    const namespace = `semantic:${cacheNamespace(scope, run.account)}`;
    const tag = modelTag(run.model);
    const rest = canonicalJson({
      v: PARTITION_VERSION,
      model: run.model,
      embedding: config.embeddingModel ?? 'custom',
      request: decidingFields({ ...run.request, prompt: split.rest }),
    });
    let vector: ArrayLike<number>;
    try {
      vector = await embed(split.text, run);
    } catch (error) {
      failed('embed the request', error);
      return 'unavailable';
    }
    return {
      namespace,
      partition: `${namespace}|${tag}.${hash('sha256', rest, 'hex')}`,
      tag,
      vector,
      read,
      write,
      ttlMs: ttl * 1_000,
    };
  };

  /** The entry of the nearest stored request, when it is similar enough and still stored. */
  const find = async (
    steps: Lookup,
  ): Promise<{ entry: LanguageEntry; id: string; similarity: number } | { similarity?: number } | false> => {
    if (!steps.read) return {};
    try {
      const [best] = await index.search(steps.partition, steps.vector, 1);
      if (!best || best.similarity < threshold) return { similarity: best?.similarity };
      const text = await store.getValue(steps.namespace, `${steps.tag}.${best.id}`);
      const entry = text === undefined ? undefined : parseEntry(text, 'language');
      if (!entry) {
        void index.delete(steps.partition, best.id).catch(() => undefined);
        return { similarity: best.similarity };
      }
      return { entry, id: best.id, similarity: best.similarity };
    } catch (error) {
      failed('be read', error);
      return false;
    }
  };

  const save = (run: RequestRun, steps: Lookup, result: GenerateResult, parts: StreamPart[] | undefined): void => {
    if (!steps.write || !storable(result)) return;
    const id = `sem_${createUlid(now())}`;
    const text = JSON.stringify(languageEntry(result, parts, now()));
    store
      .setValue(steps.namespace, `${steps.tag}.${id}`, text, steps.ttlMs)
      .then(() => index.add(steps.partition, id, steps.vector, now() + steps.ttlMs))
      .then(
        () => event(run, 'store', { entryId: id }),
        (error: unknown) => failed('store an answer', error),
      );
  };

  const storable = (result: GenerateResult): boolean =>
    STORED_FINISH.has(result.finishReason.unified) ||
    (config.storeTruncated === true && result.finishReason.unified === 'length');

  const hit = (found: { entry: LanguageEntry; id: string; similarity: number }): CacheOutcome => ({
    status: 'hit',
    kind: 'semantic',
    similarity: found.similarity,
    entryId: found.id,
    ageSeconds: Math.max(0, Math.floor((now() - found.entry.createdAt) / 1_000)),
    savedCostNano: found.entry.costNano,
  });

  const cache: SemanticCache = {
    name: 'semantic-cache',
    store,
    index,

    attach(target) {
      host = target;
      if (!config.emit) events.sink = (name, ...args) => target.emit(name, ...args);
      events.attachRecorder(target);
    },

    async wrapGenerate(run, next) {
      const steps = await lookup(run);
      if (typeof steps === 'string') {
        event(run, 'skip', { reason: steps });
        return next();
      }
      const found = await find(steps);
      if (found && 'entry' in found) {
        const pending = events.recordHit(run, languageHit(found.entry));
        if (pending) await pending;
        const outcome = hit(found);
        event(run, 'hit', eventFields(outcome));
        return resultOfEntry(found.entry, run, outcome, now());
      }
      if (found && steps.read)
        event(run, 'miss', found.similarity === undefined ? {} : { similarity: found.similarity });
      const result = await next();
      if (result.cache?.status !== 'hit') save(run, steps, result, undefined);
      return result;
    },

    async wrapStream(run, next) {
      const steps = await lookup(run);
      if (typeof steps === 'string') {
        event(run, 'skip', { reason: steps });
        return next();
      }
      const found = await find(steps);
      if (found && 'entry' in found) {
        const pending = events.recordHit(run, languageHit(found.entry));
        if (pending) await pending;
        const outcome = hit(found);
        event(run, 'hit', eventFields(outcome));
        return {
          parts: replay(partsOfEntry(found.entry)),
          result: Promise.resolve(resultOfEntry(found.entry, run, outcome, now())),
          cache: outcome,
        };
      }
      if (found && steps.read)
        event(run, 'miss', found.similarity === undefined ? {} : { similarity: found.similarity });
      const inner = await next();
      if (inner.cache?.status === 'hit' || !steps.write) return inner;
      return { parts: collecting(run, steps, inner), result: inner.result, cache: inner.cache };
    },

    async clear(selector = {}) {
      const tag = selector.model === undefined ? undefined : modelTag(selector.model);
      const namespace =
        scope === 'shared' || selector.account !== undefined
          ? `semantic:${cacheNamespace(scope, selector.account === undefined ? undefined : { id: selector.account })}`
          : undefined;
      const deleted = await store.clearValues(
        namespace === undefined
          ? { namespacePrefix: 'semantic:', keyPrefix: tag === undefined ? undefined : `${tag}.` }
          : { namespace, keyPrefix: tag === undefined ? undefined : `${tag}.` },
      );
      // The index entries of deleted answers are dropped when found; drop them now where a prefix says which.
      if (namespace !== undefined) await index.clear(`${namespace}|${tag === undefined ? '' : `${tag}.`}`);
      else if (tag === undefined) await index.clear('semantic:');
      return deleted;
    },
  };

  async function* collecting(run: RequestRun, steps: Lookup, inner: PipelineStream): AsyncGenerator<StreamPart> {
    const collected: StreamPart[] = [];
    let failedPart = false;
    let finished = false;
    let ended = false;
    try {
      for await (const part of inner.parts) {
        if (part.type === 'error') failedPart = true;
        else if (part.type === 'finish') finished = true;
        if (!failedPart) collected.push(part);
        yield part;
      }
      ended = true;
    } finally {
      if (ended && finished && !failedPart && !run.abort?.aborted)
        inner.result.then(
          (answer) => save(run, steps, answer, collected),
          () => undefined,
        );
    }
  }

  return cache;
}

function eventFields(outcome: CacheOutcome): Partial<CacheEvent> {
  return {
    similarity: outcome.similarity,
    entryId: outcome.entryId,
    savedCostNano: outcome.savedCostNano,
    ageSeconds: outcome.ageSeconds,
  };
}

async function* replay(parts: StreamPart[]): AsyncGenerator<StreamPart> {
  for (const part of parts) yield part;
}

/**
 * The text the request is embedded by (its last message, which must be the user's, text only) and the rest of
 * the prompt (which must match exactly); or why the request is not served (a skip's reason).
 */
function splitPrompt(request: NormalizedRequest): { text: string; rest: Message[] } | string {
  const prompt = request.prompt;
  const last = prompt[prompt.length - 1];
  if (last?.role !== 'user') return 'content';
  let text = '';
  for (const part of last.content) {
    if (part.type !== 'text') return 'content';
    text += text.length > 0 ? `\n${part.text}` : part.text;
  }
  if (text.trim().length === 0) return 'content';
  return { text, rest: prompt.slice(0, -1) };
}
