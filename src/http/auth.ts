/**
 * Gateway API keys: presented as `Authorization: Bearer <key>` or `x-api-key: <key>`, kept in
 * memory only as SHA-256 digests, compared in constant time; each key bills one account and may be
 * limited to some models.
 *
 * @module
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { modelAllowed } from '../catalog/model-directory.js';
import { GatewayError } from '../core/errors.js';
import type { AccountReference } from '../core/events.js';
import { singleHeader } from './headers.js';
import type { GatewayApiKey, GatewayKeyIdentity, GatewayKeyLookup, HttpHeaders } from './http-types.js';

/**
 * The caller a request was authenticated as.
 *
 * @example
 * ```ts
 * const caller: Caller = { account: { id: 'team_acme', apiKeyId: 'key_1' }, models: ['openai/*'] };
 * ```
 */
export interface Caller {
  account: AccountReference;
  /** Allowed model patterns, or undefined for every model. */
  models: string[] | undefined;
}

interface StoredKey {
  digest: Buffer;
  identity: GatewayKeyIdentity;
}

/**
 * Authenticates requests against a key list or a lookup function, or lets everything through as
 * the default account when auth is off.
 *
 * @example
 * ```ts
 * const auth = new KeyAuthenticator([{ key: 'sk-gw-1', id: 'key_1', account: 'team_acme' }], undefined);
 * const caller = await auth.authenticate({ authorization: 'Bearer sk-gw-1' });
 * ```
 */
export class KeyAuthenticator {
  private readonly stored: StoredKey[] | undefined;
  private readonly lookup: GatewayKeyLookup | undefined;
  private readonly storedKeys: GatewayKeyLookup | undefined;
  /** The caller of a request made without a key: the default account, every model. */
  readonly anonymous: Caller;

  /**
   * @param storedKeys consulted when `keys` do not know a key: the keys made through the admin API, in the store.
   */
  constructor(
    keys: GatewayApiKey[] | GatewayKeyLookup | undefined,
    defaultAccount: AccountReference | undefined,
    storedKeys?: GatewayKeyLookup,
  ) {
    this.anonymous = { account: defaultAccount ?? { id: 'anonymous' }, models: undefined };
    this.storedKeys = storedKeys;
    if (typeof keys === 'function') {
      this.lookup = keys;
      return;
    }
    if (keys === undefined) return;
    if (!Array.isArray(keys))
      throw new GatewayError(
        'config_invalid',
        '`apiKeys` must be an array of { key, id, account } or a lookup function',
      );
    this.stored = keys.map((entry, index) => {
      if (!entry || typeof entry.key !== 'string' || entry.key.length < 8)
        throw new GatewayError('config_invalid', `apiKeys[${index}].key must be a string of at least 8 characters`);
      if (typeof entry.id !== 'string' || typeof entry.account !== 'string')
        throw new GatewayError('config_invalid', `apiKeys[${index}] needs string \`id\` and \`account\``);
      const { key, ...identity } = entry;
      return { digest: sha256(key), identity };
    });
  }

  /** Whether requests must present a key. */
  get enabled(): boolean {
    return this.stored !== undefined || this.lookup !== undefined || this.storedKeys !== undefined;
  }

  /** The caller of a request, or a 401 GatewayError saying what is missing or wrong. */
  async authenticate(headers: HttpHeaders): Promise<Caller> {
    if (!this.enabled) return this.anonymous;
    const presented = presentedKey(headers);
    if (presented === undefined)
      throw new GatewayError(
        'unauthorized',
        'Missing gateway API key: send it in the Authorization header as a Bearer token, or in the x-api-key header',
      );
    const digest = sha256(presented);
    let identity: GatewayKeyIdentity | undefined;
    if (this.stored) {
      // Compare against every stored digest, without stopping early, so timing says nothing.
      for (const entry of this.stored)
        if (timingSafeEqual(entry.digest, digest) && !identity) identity = entry.identity;
    } else if (this.lookup) {
      identity = await this.lookup(presented, digest.toString('hex'));
    }
    if (!identity && this.storedKeys) identity = await this.storedKeys(presented, digest.toString('hex'));
    if (!identity) throw new GatewayError('unauthorized', 'Invalid gateway API key');
    return {
      account: { id: identity.account, apiKeyId: identity.id, ...(identity.user ? { user: identity.user } : {}) },
      models: identity.models,
    };
  }
}

/**
 * Throws a 403 `forbidden` GatewayError when the caller's key may not use one of the models.
 *
 * @example
 * ```ts
 * authorizeModels(caller, ['openai/gpt-4o', 'anthropic/claude-sonnet-4']);
 * ```
 */
export function authorizeModels(caller: Caller, models: Iterable<string>): void {
  if (!caller.models) return;
  for (const model of models) {
    if (!modelAllowed(caller.models, model)) {
      throw new GatewayError(
        'forbidden',
        `This API key may not use model '${model}' (allowed: ${caller.models.join(', ')})`,
        { param: 'model', details: { ruleId: 'api-key-models', modelId: model } },
      );
    }
  }
}

function presentedKey(headers: HttpHeaders): string | undefined {
  const authorization = singleHeader(headers.authorization);
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1].trim();
  }
  const apiKey = singleHeader(headers['x-api-key']);
  return apiKey ? apiKey.trim() : undefined;
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

export { modelAllowed };
