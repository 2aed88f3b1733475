/**
 * The router's provider instances by name: built from the config, constructed (and their vendor SDK
 * loaded) once, on first use or at start-up.
 *
 * @module
 */
import { GatewayError, isGatewayError } from '../core/errors.js';
import { PROVIDER_TYPES, type Provider, type ProviderConfig, type ProviderType } from '../providers/provider.js';
import { createProvider, loadProviderSdk } from '../providers/registry.js';
import { loadNodeFetch } from '../providers/shared/node-fetch.js';
import type { RouterConfig } from './router-types.js';
import type { KeyStateChange } from '../core/events.js';
import { KeyPool } from './key-pool.js';

/**
 * One configured provider instance.
 *
 * @example
 * ```ts
 * const entry = registry.entries.get('openai'); // { name: 'openai', type: 'openai', ... }
 * ```
 */
export interface ProviderEntry {
  readonly name: string;
  readonly type: ProviderType;
  instance: Promise<Provider> | undefined;
  /**
   * The instance once built and warmed (its SDK, client and lazily loaded modules loaded), so the request path
   * need not await it.
   */
  ready: Provider | undefined;
  /** Why the provider cannot serve (its SDK is not installed): its offerings are skipped without another try. */
  missing: GatewayError | undefined;
  readonly config: ProviderConfig;
}

/**
 * The configured provider instances of a router.
 *
 * @example
 * ```ts
 * const registry = new ProviderRegistry({ providers: { openai: { apiKey } } });
 * const openai = await registry.provider('openai');
 * ```
 */
export class ProviderRegistry {
  readonly entries = new Map<string, ProviderEntry>();
  /** The key pools of the instances configured with `apiKeys`; undefined when there are none. */
  readonly keyPools: Map<string, KeyPool> | undefined;

  constructor(config: RouterConfig, onKeyChange: (change: KeyStateChange) => void = () => undefined) {
    let keyPools: Map<string, KeyPool> | undefined;
    if (!config || typeof config.providers !== 'object' || config.providers === null) {
      throw new GatewayError(
        'config_invalid',
        'Router config needs `providers`: an object of provider instances by name, e.g. { openai: { type: "openai", apiKey } }',
      );
    }
    for (const [name, instanceConfig] of Object.entries(config.providers)) {
      if (!instanceConfig || typeof instanceConfig !== 'object') {
        const got = instanceConfig === null ? 'null' : typeof instanceConfig;
        throw new GatewayError(
          'config_invalid',
          `Provider '${name}' must be an object such as { apiKey } (got ${got})`,
        );
      }
      const type =
        instanceConfig.type ?? (PROVIDER_TYPES.includes(name as ProviderType) ? (name as ProviderType) : undefined);
      if (typeof type !== 'string') {
        const types = PROVIDER_TYPES.join(', ');
        throw new GatewayError(
          'config_invalid',
          `Provider '${name}' needs a \`type\` (${types}); only an instance named after its type may leave it out`,
        );
      }
      let typed: ProviderConfig =
        instanceConfig.type === type ? (instanceConfig as ProviderConfig) : { ...instanceConfig, type };
      if (typed.apiKeys !== undefined) {
        const keys = typed.apiKeys;
        if (!Array.isArray(keys) || keys.length === 0 || keys.some((key) => typeof key !== 'string' || key === ''))
          throw new GatewayError('config_invalid', `Provider '${name}': \`apiKeys\` must be a non-empty list of keys`);
        if (typed.apiKey !== undefined)
          throw new GatewayError('config_invalid', `Provider '${name}': give \`apiKey\` or \`apiKeys\`, not both`);
        (keyPools ??= new Map()).set(name, new KeyPool(name, keys, onKeyChange));
        // The instance's own client (and its background probes) use the first key.
        typed = { ...typed, apiKey: keys[0] };
      }
      // The SDKs' own logging.
      const providerConfig = config.logger && !typed.logger ? { ...typed, logger: config.logger } : typed;
      this.entries.set(name, {
        name,
        type,
        config: providerConfig,
        instance: undefined,
        ready: undefined,
        missing: undefined,
      });
    }
    this.keyPools = keyPools;
  }

  /** The provider instance of a name (constructed, and its SDK loaded, at start-up or on first use). */
  provider(name: string): Promise<Provider> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(new GatewayError('config_invalid', `No provider named '${name}' is configured`));
    if (entry.missing) return Promise.reject(entry.missing);
    if (!entry.instance) {
      entry.instance = createProvider(name, entry.config).then(async (provider) => {
        // Everything the first call would load: the SDK, then the provider's own lazy parts (its `warm`: after the
        // SDK, so that a missing one is looked for once), and the transport the SDK clients are built on (undici;
        // not for an injected client, which brings its own).
        const transport = entry.config.client === undefined ? loadNodeFetch() : undefined;
        // Awaited below unless the SDK is missing: not an unhandled rejection then.
        transport?.catch(() => undefined);
        await loadProviderSdk(entry.config);
        await Promise.all([provider.warm?.(), transport]);
        return provider;
      });
      entry.instance.then(
        (provider) => {
          entry.ready = provider;
        },
        (error: unknown) => {
          // A missing SDK stays missing until restart (installing a package needs one); anything else may be tried
          // again.
          if (isGatewayError(error) && error.code === 'provider_sdk_missing') {
            entry.missing = new GatewayError('provider_sdk_missing', error.message, {
              provider: name,
              details: error.details,
            });
          } else entry.instance = undefined;
        },
      );
    }
    return entry.instance;
  }

  /** The instance of a name if it is built already (the request path's common case). */
  built(name: string): Provider | undefined {
    return this.entries.get(name)?.ready;
  }
}
