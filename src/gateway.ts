/**
 * The composition root: `createGateway(config)` builds the router, billing, the store and the HTTP
 * handler from one {@link GatewayConfig}, and wires billing once, in the only correct way (its hook
 * into the router, its events through the router, its endpoints into the handler). The adapters, the
 * examples and the `switchyard` command all start a gateway through here.
 *
 * @module
 */
import { createBilling, type Billing } from './billing/billing.js';
import { GatewayError } from './core/errors.js';
import {
  GATEWAY_HANDLER_KEYS,
  GATEWAY_ROUTER_KEYS,
  isBillingInstance,
  isBillingSource,
  isRouterInstance,
  isStoreInstance,
  validateGatewayConfig,
  type BillingConfig,
  type GatewayCacheConfig,
  type GatewayConfig,
  type StoreConfig,
  type StrategyConfig,
} from './gateway-config.js';
import { createAdminDialect } from './http/dialects/admin/admin-dialect.js';
import { createGatewayHandler, type GatewayHandler } from './http/gateway-handler.js';
import type { GatewayBilling, GatewayHandlerConfig } from './http/http-types.js';
import { responseCache } from './middleware/cache/response-cache.js';
import { semanticCache } from './middleware/cache/semantic-cache.js';
import type { RequestMiddleware } from './middleware/middleware.js';
import { ApproximateVectorIndex } from './store/approximate-vector-index.js';
import { SharedVectorIndex } from './store/shared-vector-index.js';
import { Router } from './router/router.js';
import type { RouterConfig } from './router/router-types.js';
import { isCappedLogStore } from './store/capped-log-store.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { StateStore } from './store/store.js';
import type { KeyValueStore } from './store/key-value-store.js';
import { StoredApiKeys } from './http/stored-api-keys.js';
import { latencyWeighted } from './strategies/latency-weighted.js';
import { only } from './strategies/only.js';
import { weighted } from './strategies/weighted.js';
import { ordered } from './strategies/ordered.js';
import type { Strategy } from './strategies/strategy.js';

/**
 * A running gateway: the parts {@link createGateway} built, wired together.
 *
 * @example
 * ```ts
 * const gateway: Gateway = createGateway({ providers: { openai: { apiKey: process.env.OPENAI_API_KEY } } });
 * gateway.router.on('usage', (event) => console.log(event.cost.total));
 * await gateway.ready();
 * createServer((request, response) => void (gateway.handler.handleNode(request, response) || response.end())).listen(3000);
 * ```
 */
export interface Gateway {
  /** The router (the one passed in `router`, if a `Router` was passed). */
  readonly router: Router;
  /** The billing layer, when billing is configured (a `Billing` passed in, or one built from options). */
  readonly billing: Billing | undefined;
  /** The HTTP handler; the adapters serve it. */
  readonly handler: GatewayHandler;
  /** The store billing and shared health use, when one is configured (or billing made its own). */
  readonly store: StateStore | undefined;
  /** The gateway API keys kept in the store (the admin API's), when `adminKeys` is set. */
  readonly apiKeys: StoredApiKeys | undefined;
  /** The configuration, validated. */
  readonly config: GatewayConfig;
  /**
   * Resolves once every provider's SDK is loaded and the store (Redis) answers; rejects with
   * `store_unavailable` when the store cannot be reached in its start-up time.
   */
  ready(): Promise<void>;
  /**
   * Flushes pending settlements and closes what the gateway built: the router, billing, the store.
   * Parts passed in as instances are left open. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Marks the gateways {@link createGateway} made, so that adapters can tell one from a configuration. */
const GATEWAYS = new WeakSet<object>();

/**
 * Builds a gateway from one configuration: validated first (every problem reported at once, see
 * {@link validateGatewayConfig}), then the store, billing, router and handler, wired once.
 *
 * @throws GatewayError `config_invalid` with `details.problems` when the configuration is invalid.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createGateway } from 'switchyard';
 * import { createGatewayMiddleware } from 'switchyard/express';
 *
 * const gateway = createGateway({
 *   providers: { openai: { apiKey: process.env.OPENAI_API_KEY }, anthropic: { apiKey: process.env.ANTHROPIC_API_KEY } },
 *   apiKeys: [{ key: process.env.GATEWAY_KEY!, id: 'key_web', account: 'team_acme' }],
 *   billing: { freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 60 } },
 * });
 * const app = express();
 * app.use(createGatewayMiddleware(gateway));
 * await gateway.ready();
 * app.listen(3000);
 * ```
 */
export function createGateway(config: GatewayConfig): Gateway {
  const valid = validateGatewayConfig(config);
  const closers: Array<() => Promise<unknown>> = [];
  const store = buildStore(valid.store);
  if (store && !isStoreInstance(valid.store)) closers.push(() => store.close());

  const given = valid.billing;
  let billing: Billing | undefined;
  let source: GatewayBilling | undefined;
  if (isBillingInstance(given)) {
    billing = given;
  } else if (isBillingSource(given)) {
    source = given;
  } else if (given === true || (given && typeof given === 'object')) {
    const options: BillingConfig = given === true ? {} : given;
    billing = createBilling({ ...options, ...(store ? { store } : {}) });
    const built = billing;
    // Settlements still pending (the store was down) get a last try before the store closes.
    closers.unshift(async () => {
      await built.flush().catch(() => 0);
      await built.close();
    });
  }

  let router: Router;
  if (isRouterInstance(valid.router)) {
    router = valid.router;
  } else {
    router = new Router(routerConfigOf(valid, billing, store));
    const built = router;
    closers.unshift(() => built.close());
  }
  billing?.attach(router);

  const handlerConfig: GatewayHandlerConfig = { router, ...(billing || source ? { billing: billing ?? source } : {}) };
  for (const key of GATEWAY_HANDLER_KEYS) {
    if (valid[key] !== undefined) (handlerConfig as unknown as Record<string, unknown>)[key] = valid[key];
  }
  // A shared store (Redis) that keeps key-value entries keeps the Responses API's responses too, so that a
  // conversation continues by id on any instance.
  const shared = store as (StateStore & Partial<KeyValueStore>) | undefined;
  if (valid.responses?.store === undefined && typeof shared?.getValue === 'function' && !(store instanceof MemoryStore))
    handlerConfig.responses = { ...valid.responses, store: shared as StateStore & KeyValueStore };
  let apiKeys: StoredApiKeys | undefined;
  if (valid.adminKeys !== undefined && valid.adminKeys.length > 0) {
    // The admin API: keys made through it live hashed in the store (every instance on it sees them).
    let keyStore = store ?? billing?.store;
    if (!keyStore) {
      const own = new MemoryStore();
      keyStore = own;
      closers.push(() => own.close());
    }
    const registry = new StoredApiKeys(keyStore);
    apiKeys = registry;
    handlerConfig.storedKeys = (_key, sha256Hex) => registry.lookup(sha256Hex);
    handlerConfig.dialects = [...(valid.dialects ?? []), createAdminDialect({ keys: registry, billing })];
  }
  const handler = createGatewayHandler(handlerConfig);
  closers.unshift(() => handler.close());

  let closing: Promise<void> | undefined;
  const gateway: Gateway = {
    router,
    billing,
    handler,
    store: store ?? billing?.store,
    apiKeys,
    config: valid,
    async ready() {
      const connect = (store as { connect?: () => Promise<void> } | undefined)?.connect;
      // A router passed in may be any object with the router's request methods: `ready` is optional there.
      const routerReady = (router as { ready?: () => Promise<void> }).ready;
      await Promise.all([
        typeof routerReady === 'function' ? routerReady.call(router) : undefined,
        typeof connect === 'function' ? connect.call(store) : undefined,
      ]);
    },
    close() {
      closing ??= (async () => {
        // In order: the handler, the router (its background work), billing (a last flush), then the store.
        for (const close of closers) await close();
      })();
      return closing;
    },
  };
  GATEWAYS.add(gateway);
  return gateway;
}

/**
 * Whether a value is a gateway made by {@link createGateway}.
 *
 * @example
 * ```ts
 * const handler = isGateway(config) ? config.handler : createGateway(config).handler;
 * ```
 */
export function isGateway(value: unknown): value is Gateway {
  return typeof value === 'object' && value !== null && GATEWAYS.has(value);
}

/**
 * What an adapter accepts: a gateway from {@link createGateway}, a {@link GatewayConfig} (the router's
 * options at the top level, `{ providers, apiKeys }`), or the handler's configuration with `router: Router |
 * RouterConfig`.
 *
 * @example
 * ```ts
 * const config: GatewaySource = { providers: { openai: { apiKey: process.env.OPENAI_API_KEY } } };
 * ```
 */
export type GatewaySource = Gateway | GatewayConfig | GatewayHandlerConfig;

/**
 * The handler an adapter serves, and how to close what the adapter built for it. A gateway passed in is
 * served as it is and left to its owner to close; a configuration becomes a gateway the adapter owns.
 *
 * @example
 * ```ts
 * const { handler, close } = gatewayHandlerFor({ providers: { openai: { apiKey } } });
 * ```
 */
export function gatewayHandlerFor(source: GatewaySource): {
  handler: GatewayHandler;
  gateway: Gateway | undefined;
  close(): Promise<void>;
} {
  if (isGateway(source)) return { handler: source.handler, gateway: source, close: async () => undefined };
  if (!source || typeof source !== 'object') {
    throw new GatewayError(
      'config_invalid',
      'The gateway needs a configuration such as { providers: { openai: { apiKey } } }, or a gateway from createGateway()',
    );
  }
  const gateway = createGateway(source as GatewayConfig);
  return { handler: gateway.handler, gateway, close: () => gateway.close() };
}

function routerConfigOf(
  config: GatewayConfig,
  billing: Billing | undefined,
  store: StateStore | undefined,
): RouterConfig {
  const nested = config.router && !isRouterInstance(config.router) ? config.router : undefined;
  const picked: Record<string, unknown> = { ...nested };
  if (!nested) {
    for (const key of GATEWAY_ROUTER_KEYS) if (config[key] !== undefined) picked[key] = config[key];
  }
  const routerConfig = picked as unknown as RouterConfig & { middleware?: RequestMiddleware[] };
  const strategy = buildStrategy(picked.strategy as StrategyConfig | Strategy | undefined);
  if (strategy) routerConfig.strategy = strategy;
  if (config.logger && !routerConfig.logger) routerConfig.logger = config.logger;
  const caches = cachesFor(config.cache, store);
  if (caches.length > 0) routerConfig.middleware = [...(routerConfig.middleware ?? []), ...caches];
  if (billing) {
    // Billing's hook goes last: its reservation is the last step before an attempt, so that no other
    // hook's refusal can strand it; a hook list that already holds it does not get it twice.
    routerConfig.hooks = [...(routerConfig.hooks ?? []).filter((hook) => hook !== billing.hook), billing.hook];
  }
  // The request log goes to a shared store (Redis) when there is one, so that every instance sees every request.
  const requestLog = routerConfig.requestLog;
  if (requestLog && isCappedLogStore(store)) {
    const options = requestLog === true ? {} : requestLog;
    if (options.store === undefined) routerConfig.requestLog = { ...options, store };
  }
  // A shared store (Redis, or any store but the in-memory one) shares health between instances too.
  if (store && !(store instanceof MemoryStore) && routerConfig.health?.store === undefined) {
    routerConfig.health = { ...routerConfig.health, store };
  }
  return routerConfig;
}

/** The cache middleware a config asks for, sharing a Redis store's entries when there is one. */
function cachesFor(config: GatewayConfig['cache'], store: StateStore | undefined): RequestMiddleware[] {
  if (config === undefined) return [];
  const options: GatewayCacheConfig = config === true ? {} : config;
  const shared = store instanceof RedisStore ? store : undefined;
  const caches: RequestMiddleware[] = [];
  if (options.exact !== false) {
    const { exact: _exact, semantic: _semantic, ...exact } = options;
    caches.push(responseCache({ ...exact, ...(shared ? { store: shared } : {}) }));
  }
  if (options.semantic) {
    const { index: kind, ...semantic } = options.semantic;
    const local = kind === 'approximate' ? new ApproximateVectorIndex({ maxEntries: semantic.maxEntries }) : undefined;
    const index = shared ? new SharedVectorIndex({ store: shared, local, maxEntries: semantic.maxEntries }) : local;
    caches.push(semanticCache({ ...semantic, ...(shared ? { store: shared } : {}), ...(index ? { index } : {}) }));
  }
  return caches;
}

function buildStore(config: StoreConfig | StateStore | undefined): StateStore | undefined {
  if (config === undefined) return undefined;
  if (isStoreInstance(config)) return config;
  if (config === 'memory') return new MemoryStore();
  if ('redis' in config) return new RedisStore(config.redis);
  return new MemoryStore(config.memory);
}

function buildStrategy(config: StrategyConfig | Strategy | undefined): Strategy | undefined {
  if (config === undefined) return undefined;
  if (typeof config === 'object' && 'rank' in config) return config;
  if (config === 'latency-weighted') return latencyWeighted();
  if (config.name === 'latency-weighted') {
    const { name: _name, ...options } = config;
    return latencyWeighted(options);
  }
  if (config.name === 'weighted') return weighted(config.weights);
  return config.name === 'ordered' ? ordered(config.providers) : only(config.providers);
}
