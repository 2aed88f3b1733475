/**
 * Where the OpenAI Responses API keeps responses (`store: true`, the default, as OpenAI's): the response
 * object and the conversation up to it, under the caller's account, for `previous_response_id`,
 * `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`. Over any {@link KeyValueStore}: a Redis one is
 * shared by every gateway instance, so a conversation continues on any of them; the in-memory default is
 * made on the first stored response (a gateway that never serves `/v1/responses` never builds it).
 *
 * @module
 */
import { GatewayError, isGatewayError } from '../../../core/errors.js';
import type { KeyValueStore } from '../../../store/key-value-store.js';
import { MemoryKeyValueStore } from '../../../store/memory-key-value-store.js';

/** How long a stored response is kept by default: 30 days, as OpenAI keeps them. */
export const DEFAULT_RESPONSE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Options of the Responses API's store (`responses` in the handler or gateway configuration).
 *
 * @example
 * ```ts
 * const responses: ResponsesOptions = { store: new RedisStore({ url: process.env.REDIS_URL! }), ttlMs: 24 * 60 * 60 * 1000 };
 * const off: ResponsesOptions = { store: false }; // nothing is kept; previous_response_id is refused
 * ```
 */
export interface ResponsesOptions {
  /**
   * The key-value store responses are kept in (default: an in-memory one of this process, made when the first
   * response is stored; the gateway passes its Redis store when one is configured). `false` keeps nothing.
   */
  store?: KeyValueStore | false;
  /** How long a stored response can be read or continued (default 30 days). */
  ttlMs?: number;
  /** Entries of the default in-memory store (default 10 000; the least recently used go first). */
  maxEntries?: number;
}

/**
 * One stored response: the wire response object, and the conversation it ends (input and output items,
 * without `instructions`, which OpenAI does not carry over to a continuation).
 *
 * @example
 * ```ts
 * const stored: StoredResponse = { response: { id: 'resp_1', object: 'response' }, items: [{ role: 'user', content: 'Hi' }] };
 * ```
 */
export interface StoredResponse {
  response: Record<string, unknown>;
  items: unknown[];
}

const NAMESPACE = 'responses:';

/**
 * The stored responses, per account: an account reads, continues and deletes only its own.
 *
 * @example
 * ```ts
 * const store = new ResponseStore({ ttlMs: 60_000 });
 * await store.save('team_acme', { response: { id: 'resp_1' }, items: [] });
 * await store.load('team_acme', 'resp_1'); // the record
 * await store.load('team_other', 'resp_1'); // undefined
 * ```
 */
export class ResponseStore {
  private store: KeyValueStore | undefined;
  private readonly ttlMs: number;

  constructor(private readonly options: ResponsesOptions = {}) {
    if (options.store) this.store = options.store;
    const ttl = options.ttlMs ?? DEFAULT_RESPONSE_TTL_MS;
    if (!Number.isSafeInteger(ttl) || ttl < 1)
      throw new GatewayError('config_invalid', '`responses.ttlMs` must be a positive integer (milliseconds)');
    this.ttlMs = ttl;
  }

  /** Whether responses are kept at all (`store: false` in the options keeps none). */
  get enabled(): boolean {
    return this.options.store !== false;
  }

  private backend(): KeyValueStore {
    this.store ??= new MemoryKeyValueStore({ maxEntries: this.options.maxEntries ?? 10_000 });
    return this.store;
  }

  /** Keeps a response for the TTL. */
  async save(account: string, record: StoredResponse): Promise<void> {
    await this.backend().setValue(NAMESPACE + account, String(record.response.id), JSON.stringify(record), this.ttlMs);
  }

  /** The account's stored response, or undefined (absent, expired, another account's). */
  async load(account: string, id: string): Promise<StoredResponse | undefined> {
    if (!this.enabled) return undefined;
    const value = await this.backend().getValue(NAMESPACE + account, id);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as StoredResponse;
    } catch {
      return undefined;
    }
  }

  /** Deletes the account's stored response; false when there was none. */
  async remove(account: string, id: string): Promise<boolean> {
    if (!this.enabled) return false;
    return this.backend().deleteValue(NAMESPACE + account, id);
  }
}

/**
 * A store failure as the caller sees it: `store_unavailable` (503) whatever the backend threw.
 *
 * @example
 * ```ts
 * await store.load(account, id).catch((error) => { throw storeFailure(error); });
 * ```
 */
export function storeFailure(error: unknown): GatewayError {
  if (isGatewayError(error) && error.code === 'store_unavailable') return error;
  return new GatewayError('store_unavailable', 'The response store could not be reached; try again');
}
