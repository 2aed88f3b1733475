/**
 * Gateway API keys kept in the store (made through the admin API), so that every gateway instance on
 * the same store accepts a new key, and refuses a revoked one, within `cacheMs` (default 1 s). Only the
 * SHA-256 digest of a key is stored; the key itself is returned once, by {@link StoredApiKeys.create}.
 *
 * In the store: `apikey:<digest>` holds the identity of a live key (what a request's lookup reads: one
 * hash read, cached per digest), and `apikeys` indexes every key by id (what listing and revoking read).
 *
 * @module
 */
import { hash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../core/errors.js';
import { createUlid } from '../core/ids.js';
import type { StateStore } from '../store/store.js';
import type { GatewayKeyIdentity } from './http-types.js';

/**
 * A stored key as listed: its identity and dates, never the key (a short prefix names it).
 *
 * @example
 * ```ts
 * const record: StoredApiKey = { id: 'key_01J…', account: 'team_acme', prefix: 'sy_3fA9', createdAt: '2026-01-01T00:00:00.000Z' };
 * ```
 */
export interface StoredApiKey extends GatewayKeyIdentity {
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * What a new key is made for.
 *
 * @example
 * ```ts
 * const request: NewApiKey = { account: 'team_acme', models: ['openai/*'] };
 * ```
 */
export interface NewApiKey {
  account: string;
  /** Default `key_<ulid>`. */
  id?: string;
  user?: string;
  models?: string[];
}

const INDEX = 'apikeys';
const IDENTITY_FIELD = 'identity';
const NAME = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The keys in a store.
 *
 * @example
 * ```ts
 * const keys = new StoredApiKeys(store);
 * const { key, record } = await keys.create({ account: 'team_acme' }); // show `key` once
 * await keys.revoke(record.id);
 * ```
 */
export class StoredApiKeys {
  private readonly cache: LRUCache<string, { identity: GatewayKeyIdentity | false }>;

  constructor(
    private readonly store: StateStore,
    options: { cacheMs?: number } = {},
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: options.cacheMs ?? 1_000 });
  }

  /**
   * The identity of a key by its SHA-256 hex digest, or undefined (unknown or revoked). Answers are
   * cached for `cacheMs`, found or not.
   *
   * @example
   * ```ts
   * const identity = await keys.lookup(sha256Hex);
   * ```
   */
  async lookup(sha256Hex: string): Promise<GatewayKeyIdentity | undefined> {
    const cached = this.cache.get(sha256Hex);
    if (cached) return cached.identity || undefined;
    const fields = await this.store.getFields(`apikey:${sha256Hex}`);
    const raw = fields[IDENTITY_FIELD];
    const identity = raw ? (JSON.parse(raw) as GatewayKeyIdentity) : undefined;
    this.cache.set(sha256Hex, { identity: identity ?? false });
    return identity;
  }

  /**
   * Makes a key: the key itself (shown once, never stored) and its record.
   *
   * @throws GatewayError `invalid_request` for a bad account, id, user or model list, or an id in use.
   *
   * @example
   * ```ts
   * const { key } = await keys.create({ account: 'team_acme', models: ['anthropic/*'] });
   * ```
   */
  async create(request: NewApiKey): Promise<{ key: string; record: StoredApiKey }> {
    const invalid = (param: string, message: string): GatewayError =>
      new GatewayError('invalid_request', message, { param });
    if (typeof request.account !== 'string' || !NAME.test(request.account))
      throw invalid('account', '`account` must be a name of 1 to 128 letters, digits or . _ : @ -');
    if (request.id !== undefined && (typeof request.id !== 'string' || !NAME.test(request.id)))
      throw invalid('id', '`id` must be a name of 1 to 128 letters, digits or . _ : @ -');
    if (request.user !== undefined && (typeof request.user !== 'string' || request.user.length === 0))
      throw invalid('user', '`user` must be a non-empty string');
    if (
      request.models !== undefined &&
      !(Array.isArray(request.models) && request.models.every((model) => typeof model === 'string' && model))
    )
      throw invalid('models', '`models` must be a list of model ids or prefixes ending in *');
    const id = request.id ?? `key_${createUlid().toLowerCase()}`;
    const index = await this.store.getFields(INDEX);
    if (index[id] !== undefined) throw invalid('id', `A key with id '${id}' exists; pick another id`);
    const key = `sy_${randomBytes(24).toString('base64url')}`;
    const digest = hash('sha256', key, 'hex');
    const identity: GatewayKeyIdentity = {
      id,
      account: request.account,
      ...(request.user ? { user: request.user } : {}),
      ...(request.models ? { models: request.models } : {}),
    };
    const record: StoredApiKey = { ...identity, prefix: key.slice(0, 7), createdAt: new Date().toISOString() };
    await this.store.setField(`apikey:${digest}`, IDENTITY_FIELD, JSON.stringify(identity));
    await this.store.setField(INDEX, id, JSON.stringify({ ...record, digest }));
    return { key, record };
  }

  /**
   * Every key (of one account, when given), newest first; revoked ones carry `revokedAt`.
   *
   * @example
   * ```ts
   * const live = (await keys.list('team_acme')).filter((key) => !key.revokedAt);
   * ```
   */
  async list(account?: string): Promise<StoredApiKey[]> {
    const index = await this.store.getFields(INDEX);
    return Object.values(index)
      .map((raw) => {
        const { digest: _digest, ...record } = JSON.parse(raw) as StoredApiKey & { digest: string };
        return record;
      })
      .filter((record) => account === undefined || record.account === account)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Revokes a key by id: every instance refuses it within `cacheMs`. Resolves to its record, or undefined
   * when no key has the id. Revoking twice is harmless.
   *
   * @example
   * ```ts
   * await keys.revoke('key_01j…');
   * ```
   */
  async revoke(id: string): Promise<StoredApiKey | undefined> {
    const raw = (await this.store.getFields(INDEX))[id];
    if (raw === undefined) return undefined;
    const { digest, ...record } = JSON.parse(raw) as StoredApiKey & { digest: string };
    await this.store.setField(`apikey:${digest}`, IDENTITY_FIELD, undefined);
    this.cache.delete(digest);
    const revoked: StoredApiKey = { ...record, revokedAt: record.revokedAt ?? new Date().toISOString() };
    await this.store.setField(INDEX, id, JSON.stringify({ ...revoked, digest }));
    return revoked;
  }
}
