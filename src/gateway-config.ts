/**
 * The gateway's one configuration ({@link GatewayConfig}) and its validation. The part a file can hold
 * (providers, catalog, gateway API keys, billing limits, the store as `{ redis: { url } }`, the strategy by
 * name, retries, timeouts, HTTP options) is plain JSON-able data; instances (a store, a strategy, a
 * middleware, a logger, a key lookup) can be passed in code in the same places.
 *
 * {@link validateGatewayConfig} checks everything before anything starts and reports every problem at
 * once, each with its path, what was expected and what was found. `createGateway()` calls it, and so
 * does the `switchyard` command on a config file.
 *
 * @module
 */
import { validateBudget, type BudgetRule } from './billing/budgets.js';
import type { Billing, BillingOptions } from './billing/billing.js';
import { validateRateLimits, type RateLimits } from './billing/rate-limits.js';
import { Catalog, type CatalogConfig } from './catalog/catalog.js';
import { GatewayError, isGatewayError } from './core/errors.js';
import type { AccountReference } from './core/events.js';
import type {
  CorsOptions,
  DashboardOptions,
  DialectName,
  GatewayApiKey,
  GatewayBilling,
  GatewayKeyLookup,
  GatewayLogger,
} from './http/http-types.js';
import { MIN_ADMIN_KEY_LENGTH, type AdminKey } from './http/admin-access.js';
import type { Dialect } from './http/dialects/dialect.js';
import type { RequestMiddleware } from './middleware/middleware.js';
import type { TelemetryConfig } from './middleware/telemetry/open-telemetry.js';
import { METRICS_LABELS, type MetricsConfig } from './middleware/telemetry/prometheus-metrics.js';
import type { RequestLogConfig } from './middleware/request-log/request-log.js';
import { isCappedLogStore } from './store/capped-log-store.js';
import { PROVIDER_TYPES, type ProviderType } from './providers/provider.js';
import type { Router } from './router/router.js';
import type { ProviderInstanceConfig, RequestHook, RetryOptions, RouterConfig } from './router/router-types.js';
import type { HealthOptions } from './health/health-tracker.js';
import type { MemoryStoreOptions } from './store/memory-store.js';
import type { RedisStoreOptions } from './store/redis-store.js';
import type { StateStore } from './store/store.js';
import type { ResponsesOptions } from './http/dialects/openai/response-store.js';
import type { LatencyWeightedOptions } from './strategies/latency-weighted.js';
import type { Strategy } from './strategies/strategy.js';
import { routingRuleProblems } from './router/routing-rules.js';
import { validateHedgeOptions, type HedgeOptions } from './resilience/hedge.js';

/**
 * Where billing and shared health keep their state, as data: `'memory'` (the default), `{ memory: {...} }`,
 * `{ redis: { url } }` (shared by every gateway instance on that Redis) or `{ redis: { cluster: [urls] } }`
 * (a Redis Cluster, by some of its nodes). A {@link StateStore} instance may be passed in code instead.
 *
 * @example
 * ```ts
 * const store: StoreConfig = { redis: { url: 'redis://127.0.0.1:6379', prefix: 'gw:' } };
 * const onCluster: StoreConfig = { redis: { cluster: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] } };
 * ```
 */
export type StoreConfig =
  | 'memory'
  | { memory: Omit<MemoryStoreOptions, 'now'> }
  | { redis: Omit<RedisStoreOptions, 'now' | 'client'> };

/**
 * The strategy by name: `'latency-weighted'` (the default), `{ name: 'latency-weighted', ...options }`,
 * `{ name: 'ordered', providers }` (those first, in order, then the rest by latency) or
 * `{ name: 'only', providers }` (those only), `{ name: 'weighted', weights: { openai: 3, 'openai-eu': 1 } }` (traffic
 * split by weight). A {@link Strategy} instance may be passed in code instead.
 *
 * @example
 * ```ts
 * const strategy: StrategyConfig = { name: 'ordered', providers: ['anthropic', 'bedrock'] };
 * ```
 */
export type StrategyConfig =
  | 'latency-weighted'
  | ({ name: 'latency-weighted' } & LatencyWeightedOptions)
  | { name: 'ordered' | 'only'; providers: string[] }
  | { name: 'weighted'; weights: Record<string, number> };

/**
 * Billing as data: the billing options without the functions. Present (or `true`) turns billing on:
 * credits, reservations and settlement around every attempt, budgets, rate limits, and the
 * `/v1/credits`, `/v1/report`, `/v1/generation` endpoints.
 *
 * @example
 * ```ts
 * const billing: BillingConfig = { freeAllocationNano: 1_000_000_000, rateLimits: { requestsPerMinute: 60 } };
 * ```
 */
export type BillingConfig = Omit<BillingOptions, 'store'>;

/**
 * The one configuration of a gateway: the router's options at the top level (`providers`, `catalog`,
 * `strategy`, `retry`, ...), the HTTP handler's (`apiKeys`, `basePath`, `cors`, ...), `billing` and `store`.
 * Everything but the instances (marked "in code") can come from a JSON file.
 *
 * @example
 * ```ts
 * const config: GatewayConfig = {
 *   providers: { openai: { apiKey: process.env.OPENAI_API_KEY } },
 *   apiKeys: [{ key: process.env.GATEWAY_KEY!, id: 'key_web', account: 'team_acme' }],
 *   billing: { freeAllocationNano: 1_000_000_000 },
 *   store: { redis: { url: process.env.REDIS_URL! } },
 * };
 * ```
 */
export interface GatewayConfig {
  /** Provider instances by name; an instance named after its type needs no `type`: `{ openai: { apiKey } }`. */
  providers?: Record<string, ProviderInstanceConfig>;
  /** Catalog additions and overrides (or, in code, a ready `Catalog`). */
  catalog?: RouterConfig['catalog'];
  /** How candidates are ranked: a name (see {@link StrategyConfig}) or, in code, a `Strategy`. */
  strategy?: StrategyConfig | Strategy;
  retry?: RetryOptions;
  /** Hedged requests (off by default): `{ after: 'p95' | ms, maxExtra: 1, operations: ['stream', 'generate'] }`. */
  hedge?: HedgeOptions;
  /** Timeout of one attempt (default 60 s). */
  attemptTimeoutMs?: number;
  /** Overall deadline of a request (default 5 min). */
  deadlineMs?: number;
  health?: HealthOptions;
  /** In code: request middleware, outermost first. */
  middleware?: RequestMiddleware[];
  /** In code: hooks around requests and attempts (billing's own is added by the gateway). */
  hooks?: RequestHook[];
  /** In code: the random source of strategies and jitter. */
  random?: () => number;
  /** Build providers and load their SDKs at start-up (default true). */
  preload?: boolean;
  /** Routing rules (match → rewrite / deny / route), evaluated in order before candidates. */
  rules?: RouterConfig['rules'];
  /** Saved model names with their routing, listed with the models. */
  virtualModels?: RouterConfig['virtualModels'];
  /** Models to move on to after a "context length exceeded", by model. */
  contextWindowFallbacks?: RouterConfig['contextWindowFallbacks'];
  /** Models to move on to after a content-policy refusal, by model (off unless set). */
  contentPolicyFallbacks?: RouterConfig['contentPolicyFallbacks'];
  /** OpenTelemetry spans and metrics: `{ openTelemetry: true }`, or options (see {@link TelemetryConfig}). */
  telemetry?: TelemetryConfig;
  /**
   * The request log (`GET /v1/logs`, `router.logs`): `true`, or `{ size, ttlSeconds, maxRecords, logContent,
   * store }`. Kept in Redis (shared by every instance) when `store` is Redis, else in a memory ring.
   */
  requestLog?: RequestLogConfig | false;
  /**
   * Instead of the router options above: a `Router` (in code), or a router configuration. Billing can
   * only be wired into a router the gateway builds, so `billing` needs a configuration here, not a `Router`.
   */
  router?: Router | RouterConfig;

  /** Gateway API keys: a list, or (in code) a lookup function. Absent: auth is off (a warning says so). */
  apiKeys?: GatewayApiKey[] | GatewayKeyLookup;
  /** Admin keys (16+ characters): the dashboard, `/v1/logs`, `/admin/*`. A gateway key never opens them. */
  adminKeys?: Array<AdminKey | string>;
  /** The account billed when auth is off (default `{ id: 'anonymous' }`). */
  defaultAccount?: AccountReference;
  /** Path prefix of every route (default `''`). */
  basePath?: string;
  /** Largest accepted request body (default 10 MiB). */
  bodyLimitBytes?: number;
  /** CORS: `true` for every origin, or options. */
  cors?: boolean | CorsOptions;
  /** Which built-in dialects to mount (default all), and your own (`Dialect` objects, in code). */
  dialects?: Array<DialectName | Dialect>;
  /** Prometheus `GET /metrics`: `true`, or `{ path, key, labels }` (see {@link MetricsConfig}). Off by default. */
  metrics?: boolean | MetricsConfig;
  /** The dashboard page at `/dashboard` (or `{ path }`), for admin keys only. Off by default. */
  dashboard?: boolean | DashboardOptions;
  /**
   * Operational messages of the handler (default `console`) and the vendor SDKs' warnings (default
   * nowhere); `false` silences both. In code.
   */
  logger?: GatewayLogger | false;
  /**
   * The OpenAI Responses API's stored responses (`previous_response_id`): `{ ttlMs }` (default 30 days), `{ store:
   * false }` to keep none, or (in code) a key-value store. Default: the gateway's Redis `store` when one is configured
   * (so a conversation continues on any instance), else in memory.
   */
  responses?: ResponsesOptions;

  /**
   * Billing: options (or `true` for the defaults), or (in code) a `Billing` made by `createBilling()`, or
   * any `GatewayBilling` source for the billing endpoints. The gateway wires it once: its hook into the
   * router, its events through the router, its endpoints into the handler.
   */
  billing?: BillingConfig | true | false | Billing | GatewayBilling;
  /** Where billing (and, when shared, health) keeps state: data (see {@link StoreConfig}) or a `StateStore`. */
  store?: StoreConfig | StateStore;
  /**
   * The response cache, built into the router's middleware (innermost, after guardrails): `true` for the exact
   * cache with its defaults, or its options, with `semantic` for the semantic cache too. With a Redis `store`,
   * both share their entries (and the semantic vectors) through it.
   */
  cache?: true | GatewayCacheConfig;
}

/**
 * The response cache as a {@link GatewayConfig} (and a config file) gives it.
 *
 * @example
 * ```ts
 * const cache: GatewayCacheConfig = {
 *   ttlSeconds: 600,
 *   semantic: { embeddingModel: 'openai/text-embedding-3-small', threshold: 0.95, index: 'approximate' },
 * };
 * ```
 */
export interface GatewayCacheConfig {
  /** `false`: no exact cache (the semantic one alone). Default true. */
  exact?: boolean;
  ttlSeconds?: number;
  models?: Record<string, { ttlSeconds?: number }>;
  maxEntries?: number;
  maxBytes?: number;
  maxEntryBytes?: number;
  scope?: 'account' | 'shared';
  storeTruncated?: boolean;
  semantic?: {
    embeddingModel: string;
    threshold?: number;
    models?: string[];
    ttlSeconds?: number;
    scope?: 'account' | 'shared';
    maxEntries?: number;
    maxTextCharacters?: number;
    /** `exact` (default) or `approximate` (HNSW; needs the optional package `usearch`). */
    index?: 'exact' | 'approximate';
  };
}

/**
 * One problem found in a configuration.
 *
 * @example
 * ```ts
 * const problem: ConfigProblem = { path: 'providers.openai.timeoutMs', expected: 'a positive integer (milliseconds)', found: '"30s"' };
 * ```
 */
export interface ConfigProblem {
  /** Where: `providers.openai.apiKey`, `apiKeys[1].account`, `billing.budgets[0].hardLimitNano`. */
  path: string;
  expected: string;
  found: string;
}

/**
 * The problems of an invalid configuration, as a `config_invalid` error carries them (`details.problems`).
 *
 * @example
 * ```ts
 * try { validateGatewayConfig(data); } catch (error) { for (const p of configProblems(error)) console.error(p.path, p.expected); }
 * ```
 */
export function configProblems(error: unknown): ConfigProblem[] {
  if (!isGatewayError(error) || error.code !== 'config_invalid') return [];
  const problems = error.details?.problems;
  return Array.isArray(problems) ? (problems as ConfigProblem[]) : [];
}

const ROUTER_KEYS = [
  'providers',
  'catalog',
  'strategy',
  'retry',
  'hedge',
  'attemptTimeoutMs',
  'deadlineMs',
  'health',
  'middleware',
  'hooks',
  'random',
  'preload',
  'rules',
  'virtualModels',
  'contextWindowFallbacks',
  'contentPolicyFallbacks',
  'telemetry',
  'requestLog',
] as const;
const HANDLER_KEYS = [
  'apiKeys',
  'adminKeys',
  'defaultAccount',
  'basePath',
  'bodyLimitBytes',
  'cors',
  'dialects',
  'dashboard',
  'logger',
  'responses',
  'metrics',
] as const;
const TOP_KEYS: readonly string[] = [...ROUTER_KEYS, 'router', ...HANDLER_KEYS, 'billing', 'store', 'cache'];
const NESTED_ROUTER_KEYS: readonly string[] = [...ROUTER_KEYS, 'logger'];
const PROVIDER_KEYS = [
  'type',
  'apiKey',
  'apiKeys',
  'baseURL',
  'timeoutMs',
  'headers',
  'region',
  'project',
  'credentials',
  'client',
  'clientOptions',
  'logger',
];
const BILLING_KEYS = [
  'freeAllocationNano',
  'budgets',
  'rateLimits',
  'onStoreFailure',
  'reservationTtlMs',
  'inputEstimateMargin',
  'defaultOutputReservationTokens',
  'configCacheMs',
  'defaultAccountId',
  'onUsageRecord',
  'maxPendingSettlements',
  'retryIntervalMs',
  'billCacheHits',
  'now',
];
const REDIS_KEYS = [
  'url',
  'cluster',
  'prefix',
  'commandTimeoutMs',
  'connectTimeoutMs',
  'maxReconnectDelayMs',
  'startTimeoutMs',
  'recordRetentionMs',
  'markerRetentionMs',
];
const MEMORY_KEYS = ['prefix', 'recordRetentionMs', 'markerRetentionMs', 'maxRecords', 'maxEntries'];
const HEALTH_KEYS = [
  'windowMs',
  'maxSamples',
  'consecutiveFailuresToOpen',
  'failureRateToOpen',
  'minimumSamples',
  'cooldownMs',
  'now',
  'store',
  'shareIntervalMs',
  'shareTtlMs',
  'instanceId',
  'onShareError',
];
const STRATEGY_NAMES = ['latency-weighted', 'ordered', 'only', 'weighted'];
const DIALECTS: readonly DialectName[] = ['openai', 'anthropic', 'ai-gateway'];
const DECIMAL = /^\d+(\.\d+)?$/;
const MIN_GATEWAY_KEY_LENGTH = 8;

/** Collects problems while walking a configuration. */
class Problems {
  readonly list: ConfigProblem[] = [];

  add(path: string, expected: string, value: unknown, options: { secret?: boolean } = {}): void {
    this.list.push({ path: path || '(the config)', expected, found: describeValue(value, options.secret === true) });
  }

  /** Records a problem unless `value` is an object (not an array); returns whether it is. */
  object(path: string, value: unknown, expected = 'an object'): value is Record<string, unknown> {
    if (isPlainObject(value)) return true;
    this.add(path, expected, value);
    return false;
  }

  /** Reports keys that are not among `known`, suggesting the nearest known one. */
  unknownKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const near = nearest(key, known);
      const hint = near ? `did you mean \`${near}\`?` : `known: ${known.join(', ')}`;
      this.list.push({ path: join(path, key), expected: `a known option (${hint})`, found: 'an unknown option' });
    }
  }

  string(
    path: string,
    value: unknown,
    options: { optional?: boolean; secret?: boolean; nonEmpty?: boolean } = {},
  ): void {
    if (value === undefined && options.optional !== false) return;
    if (typeof value !== 'string') this.add(path, 'a string', value, options);
    else if (options.nonEmpty && value.trim() === '') this.add(path, 'a non-empty string', value, options);
  }

  integer(path: string, value: unknown, minimum: number, unit: string): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
      const what =
        minimum === 0
          ? 'a non-negative integer'
          : minimum === 1
            ? 'a positive integer'
            : `an integer of at least ${minimum}`;
      this.add(path, `${what}${unit ? ` (${unit})` : ''}`, value);
    }
  }

  number(path: string, value: unknown, minimum: number, maximum: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum || value > maximum) {
      this.add(path, `a number from ${minimum} to ${maximum}`, value);
    }
  }

  boolean(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') this.add(path, 'true or false', value);
  }

  oneOf(path: string, value: unknown, allowed: readonly string[]): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !allowed.includes(value))
      this.add(path, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }

  fn(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'function') this.add(path, 'a function (in code)', value);
  }

  stringArray(path: string, value: unknown, options: { nonEmpty?: boolean } = {}): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      this.add(path, 'an array of strings', value);
      return;
    }
    if (options.nonEmpty && value.length === 0) this.add(path, 'at least one entry', value);
    value.forEach((item, index) => this.string(`${path}[${index}]`, item, { optional: false, nonEmpty: true }));
  }

  logger(path: string, value: unknown, allowFalse: boolean): void {
    if (value === undefined || (allowFalse && value === false)) return;
    const ok = isPlainObjectOrInstance(value) && typeof value.warn === 'function' && typeof value.error === 'function';
    if (!ok) this.add(path, `${allowFalse ? 'false, or ' : ''}an object with warn() and error() (in code)`, value);
  }
}

/**
 * Checks a gateway configuration (data from a file, or an object built in code) and returns it typed.
 * Every problem is reported at once, each with its path, what was expected and what was found; secrets
 * are never echoed (a key's problem says "a string of 3 characters", not the key).
 *
 * @throws GatewayError `config_invalid`, with `details.problems` (a {@link ConfigProblem} list) and a
 * message listing them one per line.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createGateway, validateGatewayConfig } from 'switchyard';
 *
 * const config = validateGatewayConfig(JSON.parse(readFileSync('switchyard.config.json', 'utf8')));
 * const gateway = createGateway(config);
 * ```
 */
export function validateGatewayConfig(data: unknown): GatewayConfig {
  const problems = new Problems();
  if (problems.object('', data, 'an object such as { "providers": { "openai": { "apiKey": "..." } } }')) {
    problems.unknownKeys('', data, TOP_KEYS);
    checkRouterSide(problems, data);
    checkHandlerSide(problems, data);
    checkBilling(problems, data);
    checkCache(problems, data.cache);
    if (data.cache !== undefined && isRouterInstance(data.router))
      problems.add('cache', 'no `cache` beside a Router instance (give that Router its cache middleware)', data.cache);
  }
  if (problems.list.length > 0) throw configError(problems.list);
  return data as GatewayConfig;
}

/**
 * The `config_invalid` error for a list of problems.
 *
 * @example
 * ```ts
 * throw configError([{ path: 'port', expected: 'an integer from 0 to 65535', found: '"eighty"' }]);
 * ```
 */
export function configError(problems: ConfigProblem[], heading = 'Invalid gateway configuration'): GatewayError {
  // "path — expected": a colon after a name like `apiKey` would read as a secret to redactSecrets().
  const lines = problems.map((problem) => `${problem.path} — expected ${problem.expected}, found ${problem.found}`);
  // One problem reads on one line (a log line); several get a line each.
  const message =
    lines.length === 1 ? `${heading}: ${lines[0]}` : `${heading} (${lines.length} problems):\n  ${lines.join('\n  ')}`;
  return new GatewayError('config_invalid', message, { details: { problems } });
}

function checkCache(problems: Problems, cache: unknown): void {
  if (cache === undefined || cache === true) return;
  if (!problems.object('cache', cache, 'true, or the cache options { "ttlSeconds", "semantic", ... }')) return;
  problems.unknownKeys('cache', cache, [
    'exact',
    'ttlSeconds',
    'models',
    'maxEntries',
    'maxBytes',
    'maxEntryBytes',
    'scope',
    'storeTruncated',
    'semantic',
  ]);
  problems.boolean('cache.exact', cache.exact);
  problems.integer('cache.ttlSeconds', cache.ttlSeconds, 0, 'seconds');
  problems.integer('cache.maxEntries', cache.maxEntries, 1, 'entries');
  problems.integer('cache.maxBytes', cache.maxBytes, 1, 'bytes');
  problems.integer('cache.maxEntryBytes', cache.maxEntryBytes, 1, 'bytes');
  problems.oneOf('cache.scope', cache.scope, ['account', 'shared']);
  problems.boolean('cache.storeTruncated', cache.storeTruncated);
  if (
    cache.models !== undefined &&
    problems.object('cache.models', cache.models, 'an object of model → { ttlSeconds }')
  ) {
    for (const [model, options] of Object.entries(cache.models)) {
      const path = `cache.models.${model}`;
      if (!problems.object(path, options, 'an object { "ttlSeconds" }')) continue;
      problems.unknownKeys(path, options, ['ttlSeconds']);
      problems.integer(`${path}.ttlSeconds`, options.ttlSeconds, 0, 'seconds');
    }
  }
  const semantic = cache.semantic;
  if (semantic === undefined) return;
  if (!problems.object('cache.semantic', semantic, 'the semantic cache options { "embeddingModel", ... }')) return;
  problems.unknownKeys('cache.semantic', semantic, [
    'embeddingModel',
    'threshold',
    'models',
    'ttlSeconds',
    'scope',
    'maxEntries',
    'maxTextCharacters',
    'index',
  ]);
  problems.string('cache.semantic.embeddingModel', semantic.embeddingModel, { optional: false, nonEmpty: true });
  problems.number('cache.semantic.threshold', semantic.threshold, 0.01, 1);
  problems.stringArray('cache.semantic.models', semantic.models, { nonEmpty: true });
  problems.integer('cache.semantic.ttlSeconds', semantic.ttlSeconds, 0, 'seconds');
  problems.oneOf('cache.semantic.scope', semantic.scope, ['account', 'shared']);
  problems.integer('cache.semantic.maxEntries', semantic.maxEntries, 1, 'entries');
  problems.integer('cache.semantic.maxTextCharacters', semantic.maxTextCharacters, 1, 'characters');
  problems.oneOf('cache.semantic.index', semantic.index, ['exact', 'approximate']);
}

function checkRouterSide(problems: Problems, config: Record<string, unknown>): void {
  const given = config.router;
  const hasTopLevel = ROUTER_KEYS.some((key) => config[key] !== undefined);
  if (given !== undefined) {
    if (hasTopLevel) {
      const keys = ROUTER_KEYS.filter((key) => config[key] !== undefined).join(', ');
      problems.add('router', `either \`router\` or the router's options at the top level (${keys}), not both`, given);
    }
    if (isRouterInstance(given)) return;
    if (!problems.object('router', given, 'a Router (in code) or a router configuration { providers, ... }')) return;
    problems.unknownKeys('router', given, NESTED_ROUTER_KEYS);
    checkRouterOptions(problems, 'router', given);
    problems.logger('router.logger', given.logger, false);
    return;
  }
  checkRouterOptions(problems, '', config);
}

function checkRouterOptions(problems: Problems, base: string, config: Record<string, unknown>): void {
  const providersPath = join(base, 'providers');
  const providers = config.providers;
  if (providers === undefined) {
    problems.add(providersPath, 'provider instances by name, such as { "openai": { "apiKey": "..." } }', providers);
  } else if (
    problems.object(providersPath, providers, 'provider instances by name, such as { "openai": { "apiKey": "..." } }')
  ) {
    if (Object.keys(providers).length === 0) problems.add(providersPath, 'at least one provider instance', providers);
    for (const [name, instance] of Object.entries(providers))
      checkProvider(problems, join(providersPath, name), name, instance);
  }
  checkCatalog(problems, join(base, 'catalog'), config.catalog);
  checkStrategy(problems, join(base, 'strategy'), config.strategy);
  const retry = config.retry;
  if (retry !== undefined && problems.object(join(base, 'retry'), retry)) {
    problems.unknownKeys(join(base, 'retry'), retry, ['maxRetries', 'initialDelayMs', 'maxDelayMs', 'maxRetryAfterMs']);
    problems.integer(join(base, 'retry.maxRetries'), retry.maxRetries, 0, '');
    for (const key of ['initialDelayMs', 'maxDelayMs', 'maxRetryAfterMs'])
      problems.integer(join(base, `retry.${key}`), retry[key], 0, 'milliseconds');
  }
  if (config.hedge !== undefined) {
    try {
      validateHedgeOptions(config.hedge, join(base, 'hedge'), 'config_invalid');
      if (config.hedge === false)
        problems.add(join(base, 'hedge'), 'hedge options (leave `hedge` out for none)', false);
    } catch (error) {
      const param = isGatewayError(error) ? error.param : undefined;
      problems.add(
        param ?? join(base, 'hedge'),
        (error as Error).message.replace(/^`[^`]*` (must be )?/, ''),
        config.hedge,
      );
    }
  }
  problems.integer(join(base, 'attemptTimeoutMs'), config.attemptTimeoutMs, 1, 'milliseconds');
  problems.integer(join(base, 'deadlineMs'), config.deadlineMs, 1, 'milliseconds');
  const health = config.health;
  if (health !== undefined && problems.object(join(base, 'health'), health)) {
    const path = join(base, 'health');
    problems.unknownKeys(path, health, HEALTH_KEYS);
    for (const key of ['windowMs', 'cooldownMs', 'shareIntervalMs', 'shareTtlMs'])
      problems.integer(`${path}.${key}`, health[key], 1, 'milliseconds');
    for (const key of ['maxSamples', 'consecutiveFailuresToOpen', 'minimumSamples'])
      problems.integer(`${path}.${key}`, health[key], 1, '');
    problems.number(`${path}.failureRateToOpen`, health.failureRateToOpen, 0, 1);
    problems.string(`${path}.instanceId`, health.instanceId, { nonEmpty: true });
    problems.fn(`${path}.now`, health.now);
    problems.fn(`${path}.onShareError`, health.onShareError);
    if (health.store !== undefined && !isStoreInstance(health.store))
      problems.add(
        `${path}.store`,
        'a StateStore (in code); set the top-level `store` to share health through it',
        health.store,
      );
  }
  checkInstances(
    problems,
    join(base, 'middleware'),
    config.middleware,
    'request middleware objects with a `name` (in code)',
    (item) => isPlainObjectOrInstance(item) && typeof item.name === 'string',
  );
  checkInstances(problems, join(base, 'hooks'), config.hooks, 'request hooks (in code)', (item) =>
    isPlainObjectOrInstance(item),
  );
  problems.fn(join(base, 'random'), config.random);
  problems.boolean(join(base, 'preload'), config.preload);
  for (const problem of routingRuleProblems(config.rules, config.virtualModels, base)) {
    if (problem.unknown)
      problems.list.push({ path: problem.path, expected: problem.expected, found: 'an unknown option' });
    else problems.add(problem.path, problem.expected, problem.value);
  }
  for (const key of ['contextWindowFallbacks', 'contentPolicyFallbacks']) {
    const fallbacks = config[key];
    if (fallbacks === undefined) continue;
    const path = join(base, key);
    if (!problems.object(path, fallbacks, 'fallback models by model, such as { "openai/gpt-4o": ["openai/gpt-4.1"] }'))
      continue;
    for (const [model, models] of Object.entries(fallbacks))
      problems.stringArray(`${path}.${model}`, models, { nonEmpty: true });
  }
  checkTelemetry(problems, join(base, 'telemetry'), config.telemetry);
  checkRequestLog(problems, join(base, 'requestLog'), config.requestLog);
}

function checkTelemetry(problems: Problems, path: string, telemetry: unknown): void {
  if (telemetry === undefined) return;
  if (!problems.object(path, telemetry, '{ "openTelemetry": true } or { "openTelemetry": { ... } }')) return;
  problems.unknownKeys(path, telemetry, ['openTelemetry']);
  const given = telemetry.openTelemetry;
  const at = `${path}.openTelemetry`;
  if (given === undefined || typeof given === 'boolean') return;
  if (!problems.object(at, given, 'true, false, or { "recordContent", "traces", "metrics" }')) return;
  problems.unknownKeys(at, given, ['tracer', 'meter', 'traces', 'metrics', 'recordContent']);
  for (const key of ['traces', 'metrics', 'recordContent']) problems.boolean(`${at}.${key}`, given[key]);
  if (
    given.tracer !== undefined &&
    !(isPlainObjectOrInstance(given.tracer) && typeof given.tracer.startSpan === 'function')
  )
    problems.add(`${at}.tracer`, 'an OpenTelemetry Tracer (in code)', given.tracer);
  if (
    given.meter !== undefined &&
    !(isPlainObjectOrInstance(given.meter) && typeof given.meter.createCounter === 'function')
  )
    problems.add(`${at}.meter`, 'an OpenTelemetry Meter (in code)', given.meter);
}

function checkMetrics(problems: Problems, metrics: unknown): void {
  if (metrics === undefined || typeof metrics === 'boolean') return;
  if (!problems.object('metrics', metrics, 'true, false, or { "path", "key", "labels" }')) return;
  problems.unknownKeys('metrics', metrics, ['path', 'key', 'labels', 'registry']);
  const path = metrics.path;
  if (path !== undefined && (typeof path !== 'string' || !/^\/[^\s?#]*$/.test(path) || path.endsWith('/*')))
    problems.add('metrics.path', 'a path such as "/metrics"', path);
  const key = metrics.key;
  if (key !== undefined && key !== 'admin' && (typeof key !== 'string' || key.length < MIN_ADMIN_KEY_LENGTH))
    problems.add(
      'metrics.key',
      `'admin' (the admin keys), or a key of at least ${MIN_ADMIN_KEY_LENGTH} characters`,
      key,
      {
        secret: true,
      },
    );
  const labels = metrics.labels;
  if (labels !== undefined) {
    if (!Array.isArray(labels)) problems.add('metrics.labels', `an array of ${METRICS_LABELS.join(', ')}`, labels);
    else
      labels.forEach((label: unknown, index: number) =>
        problems.oneOf(`metrics.labels[${index}]`, label, METRICS_LABELS),
      );
  }
  const registry = metrics.registry;
  if (registry !== undefined && !(isPlainObjectOrInstance(registry) && typeof registry.metrics === 'function'))
    problems.add('metrics.registry', 'a prom-client Registry (in code)', registry);
}

const REQUEST_LOG_KEYS = ['size', 'ttlSeconds', 'maxRecords', 'logContent', 'store'];

function checkRequestLog(problems: Problems, path: string, value: unknown): void {
  if (value === undefined || value === true || value === false) return;
  const expected = 'true, or { "size": 1000, "ttlSeconds": 86400, "maxRecords": 10000, "logContent": false }';
  if (!problems.object(path, value, expected)) return;
  problems.unknownKeys(path, value, REQUEST_LOG_KEYS);
  problems.integer(`${path}.size`, value.size, 1, 'records kept in memory');
  problems.integer(`${path}.ttlSeconds`, value.ttlSeconds, 1, 'seconds');
  problems.integer(`${path}.maxRecords`, value.maxRecords, 1, 'records kept in Redis');
  problems.boolean(`${path}.logContent`, value.logContent);
  const store = value.store;
  if (store === undefined || store === 'memory' || isCappedLogStore(store)) return;
  const isLogStore =
    isPlainObjectOrInstance(store) &&
    typeof store.append === 'function' &&
    typeof store.query === 'function' &&
    typeof store.get === 'function';
  if (!isLogStore) problems.add(`${path}.store`, "'memory', or (in code) a RedisStore or a RequestLogStore", store);
}

function checkProvider(problems: Problems, path: string, name: string, instance: unknown): void {
  if (!problems.object(path, instance, 'a provider instance such as { "apiKey": "..." }')) return;
  problems.unknownKeys(path, instance, PROVIDER_KEYS);
  const slug = PROVIDER_TYPES.includes(name as ProviderType);
  if (instance.type === undefined) {
    if (!slug)
      problems.add(
        `${path}.type`,
        `a provider type (${PROVIDER_TYPES.join(', ')}): '${name}' is not one, so the instance needs a \`type\``,
        undefined,
      );
  } else {
    problems.oneOf(`${path}.type`, instance.type, PROVIDER_TYPES);
  }
  problems.string(`${path}.apiKey`, instance.apiKey, { secret: true, nonEmpty: true });
  if (instance.apiKeys !== undefined) {
    const keys = instance.apiKeys;
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((key) => typeof key !== 'string' || key === ''))
      problems.add(`${path}.apiKeys`, 'a non-empty list of keys', keys, { secret: true });
    else if (instance.apiKey !== undefined)
      problems.add(`${path}.apiKeys`, '`apiKey` or `apiKeys`, not both', 'both', { secret: true });
  }
  if (instance.baseURL !== undefined) {
    if (
      typeof instance.baseURL !== 'string' ||
      !/^https?:\/\/[^\s]+$/.test(instance.baseURL) ||
      !URL.canParse(instance.baseURL)
    ) {
      problems.add(`${path}.baseURL`, 'an http:// or https:// URL', instance.baseURL);
    }
  }
  problems.integer(`${path}.timeoutMs`, instance.timeoutMs, 1, 'milliseconds');
  if (
    instance.headers !== undefined &&
    problems.object(`${path}.headers`, instance.headers, 'an object of header names to string values')
  ) {
    for (const [header, value] of Object.entries(instance.headers))
      problems.string(`${path}.headers.${header}`, value, { optional: false, secret: true });
  }
  problems.string(`${path}.region`, instance.region, { nonEmpty: true });
  problems.string(`${path}.project`, instance.project, { nonEmpty: true });
  if (
    instance.credentials !== undefined &&
    problems.object(
      `${path}.credentials`,
      instance.credentials,
      'credentials such as { "accessKeyId": "...", "secretAccessKey": "..." }',
    )
  ) {
    for (const [key, value] of Object.entries(instance.credentials))
      problems.string(`${path}.credentials.${key}`, value, { secret: true });
  }
  if (instance.clientOptions !== undefined) problems.object(`${path}.clientOptions`, instance.clientOptions);
  problems.logger(`${path}.logger`, instance.logger, false);
}

function checkCatalog(problems: Problems, path: string, catalog: unknown): void {
  if (catalog === undefined || catalog instanceof Catalog) return;
  if (!problems.object(path, catalog, 'catalog options { "models": [...] } (or, in code, a Catalog)')) return;
  problems.unknownKeys(path, catalog, ['models', 'replaceBuiltIn', 'providers']);
  problems.boolean(`${path}.replaceBuiltIn`, catalog.replaceBuiltIn);
  const providerFacts = catalog.providers;
  if (
    providerFacts !== undefined &&
    problems.object(
      `${path}.providers`,
      providerFacts,
      'facts by provider, such as { "mistral": { "headquarters": "FR" } }',
    )
  ) {
    for (const [name, facts] of Object.entries(providerFacts)) {
      const at = `${path}.providers.${name}`;
      if (!problems.object(at, facts, '{ headquarters?, zeroDataRetention?, disallowPromptTraining? }')) continue;
      problems.unknownKeys(at, facts, ['headquarters', 'zeroDataRetention', 'disallowPromptTraining']);
      checkProviderFacts(problems, at, facts);
    }
  }
  const models = catalog.models;
  if (models === undefined) return;
  if (!Array.isArray(models)) {
    problems.add(`${path}.models`, 'an array of models', models);
    return;
  }
  const before = problems.list.length;
  models.forEach((model, index) => checkModel(problems, `${path}.models[${index}]`, model));
  if (problems.list.length > before) return;
  try {
    new Catalog(catalog as CatalogConfig);
  } catch (error) {
    problems.add(
      path,
      `a catalog the gateway accepts (${error instanceof Error ? error.message : String(error)})`,
      catalog,
    );
  }
}

function checkModel(problems: Problems, path: string, model: unknown): void {
  if (!problems.object(path, model, 'a model { "id": "creator/model", "offerings": [...] }')) return;
  problems.unknownKeys(path, model, [
    'id',
    'name',
    'description',
    'released',
    'type',
    'capabilities',
    'limits',
    'offerings',
  ]);
  if (typeof model.id !== 'string' || !/^[^/\s]+\/[^\s]+$/.test(model.id))
    problems.add(`${path}.id`, "a model id 'creator/model'", model.id);
  for (const key of ['name', 'description', 'released']) problems.string(`${path}.${key}`, model[key]);
  problems.oneOf(`${path}.type`, model.type, ['language', 'embedding', 'image', 'reranking']);
  checkCapabilities(problems, `${path}.capabilities`, model.capabilities);
  checkLimits(problems, `${path}.limits`, model.limits);
  if (!Array.isArray(model.offerings)) {
    problems.add(
      `${path}.offerings`,
      'an array of offerings { "provider", "providerModelId", "pricing" }',
      model.offerings,
    );
    return;
  }
  model.offerings.forEach((offering: unknown, index: number) => {
    const at = `${path}.offerings[${index}]`;
    if (!problems.object(at, offering, 'an offering { "provider", "providerModelId", "pricing" }')) return;
    problems.unknownKeys(at, offering, [
      'provider',
      'providerModelId',
      'pricing',
      'limits',
      'capabilities',
      'headquarters',
      'zeroDataRetention',
      'disallowPromptTraining',
      'quantization',
    ]);
    checkProviderFacts(problems, at, offering);
    problems.string(`${at}.quantization`, offering.quantization, { nonEmpty: true });
    problems.string(`${at}.provider`, offering.provider, { optional: false, nonEmpty: true });
    problems.string(`${at}.providerModelId`, offering.providerModelId, { optional: false, nonEmpty: true });
    checkCapabilities(problems, `${at}.capabilities`, offering.capabilities);
    checkLimits(problems, `${at}.limits`, offering.limits);
    const pricing = offering.pricing;
    if (
      !problems.object(`${at}.pricing`, pricing, 'prices { "input": "2.50", "output": "10" } in USD per million tokens')
    )
      return;
    problems.unknownKeys(`${at}.pricing`, pricing, [
      'input',
      'output',
      'cacheRead',
      'cacheWrite',
      'image',
      'searchUnit',
    ]);
    const image = pricing.image;
    if (image !== undefined && problems.object(`${at}.pricing.image`, image, 'USD per image by size or quality')) {
      for (const [key, value] of Object.entries(image)) {
        if (typeof value !== 'string' || !DECIMAL.test(value))
          problems.add(`${at}.pricing.image.${key}`, 'a decimal string of USD per image, such as "0.04"', value);
      }
    }
    for (const key of ['input', 'output', 'cacheRead', 'cacheWrite', 'searchUnit']) {
      const value = pricing[key];
      if (value === undefined && (key === 'cacheRead' || key === 'cacheWrite' || key === 'searchUnit')) continue;
      if (typeof value !== 'string' || !DECIMAL.test(value)) {
        problems.add(
          `${at}.pricing.${key}`,
          'a decimal string of USD per million tokens, such as "2.50" (money is never a float)',
          value,
        );
      }
    }
  });
}

function checkProviderFacts(problems: Problems, path: string, facts: Record<string, unknown>): void {
  const country = facts.headquarters;
  if (country !== undefined && (typeof country !== 'string' || !/^[A-Za-z]{2}$/.test(country)))
    problems.add(`${path}.headquarters`, "a two-letter country code such as 'US'", country);
  problems.boolean(`${path}.zeroDataRetention`, facts.zeroDataRetention);
  problems.boolean(`${path}.disallowPromptTraining`, facts.disallowPromptTraining);
}

function checkCapabilities(problems: Problems, path: string, value: unknown): void {
  if (value === undefined || !problems.object(path, value)) return;
  problems.unknownKeys(path, value, [
    'tools',
    'images',
    'json',
    'reasoning',
    'embeddings',
    'implicitCaching',
    'imageGeneration',
    'reranking',
  ]);
  for (const [key, flag] of Object.entries(value)) problems.boolean(`${path}.${key}`, flag);
}

function checkLimits(problems: Problems, path: string, value: unknown): void {
  if (value === undefined || !problems.object(path, value)) return;
  problems.unknownKeys(path, value, ['context', 'output']);
  problems.integer(`${path}.context`, value.context, 1, 'tokens');
  problems.integer(`${path}.output`, value.output, 1, 'tokens');
}

function checkStrategy(problems: Problems, path: string, strategy: unknown): void {
  if (strategy === undefined) return;
  if (typeof strategy === 'string') {
    if (strategy !== 'latency-weighted') {
      const expected =
        strategy === 'ordered' || strategy === 'only'
          ? `{ "name": "${strategy}", "providers": [...] } (it needs the providers)`
          : "'latency-weighted', or { \"name\": 'ordered' | 'only', \"providers\": [...] }";
      problems.add(path, expected, strategy);
    }
    return;
  }
  if (isStrategyInstance(strategy)) return;
  if (!problems.object(path, strategy, 'a strategy name, { name, ... }, or (in code) a Strategy')) return;
  if (typeof strategy.name !== 'string' || !STRATEGY_NAMES.includes(strategy.name)) {
    problems.oneOf(`${path}.name`, strategy.name ?? '', STRATEGY_NAMES);
    return;
  }
  if (strategy.name === 'latency-weighted') {
    problems.unknownKeys(path, strategy, ['name', 'successExponent', 'latencyExponent', 'minimumWeightRatio']);
    problems.number(`${path}.successExponent`, strategy.successExponent, 0, 100);
    problems.number(`${path}.latencyExponent`, strategy.latencyExponent, 0, 100);
    problems.number(`${path}.minimumWeightRatio`, strategy.minimumWeightRatio, 0, 1);
    return;
  }
  if (strategy.name === 'weighted') {
    problems.unknownKeys(path, strategy, ['name', 'weights']);
    const weights = strategy.weights;
    const expected = 'weights by provider name, such as { "openai": 3, "openai-eu": 1 }';
    if (weights === undefined) problems.add(`${path}.weights`, expected, undefined);
    else if (problems.object(`${path}.weights`, weights, expected)) {
      if (Object.keys(weights).length === 0) problems.add(`${path}.weights`, expected, weights);
      for (const [name, weight] of Object.entries(weights))
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
          problems.add(`${path}.weights.${name}`, 'a number of 0 or more', weight);
    }
    return;
  }
  problems.unknownKeys(path, strategy, ['name', 'providers']);
  if (strategy.providers === undefined) problems.add(`${path}.providers`, 'an array of provider names', undefined);
  else problems.stringArray(`${path}.providers`, strategy.providers, { nonEmpty: true });
}

function checkAdminKeys(problems: Problems, adminKeys: unknown, gatewayKeys: unknown[]): void {
  if (adminKeys === undefined) return;
  if (!Array.isArray(adminKeys)) {
    problems.add('adminKeys', 'an array of admin keys (strings, or { "key", "id" })', adminKeys);
    return;
  }
  const gatewaySecrets = new Set(
    gatewayKeys.map((entry) => (entry && typeof entry === 'object' ? (entry as { key?: unknown }).key : undefined)),
  );
  adminKeys.forEach((entry: unknown, index: number) => {
    const path = `adminKeys[${index}]`;
    let key: unknown = entry;
    if (typeof entry !== 'string') {
      if (!problems.object(path, entry, 'a key string, or { "key", "id" }')) return;
      problems.unknownKeys(path, entry, ['key', 'id']);
      problems.string(`${path}.id`, entry.id, { optional: false, nonEmpty: true });
      key = entry.key;
    }
    const keyPath = typeof entry === 'string' ? path : `${path}.key`;
    if (typeof key !== 'string' || key.length < MIN_ADMIN_KEY_LENGTH)
      problems.add(keyPath, `a string of at least ${MIN_ADMIN_KEY_LENGTH} characters`, key, { secret: true });
    else if (gatewaySecrets.has(key))
      problems.list.push({ path: keyPath, expected: 'a key of its own', found: 'the same key as a gateway API key' });
  });
}

function checkHandlerSide(problems: Problems, config: Record<string, unknown>): void {
  const keys = config.apiKeys;
  if (keys !== undefined && typeof keys !== 'function') {
    if (!Array.isArray(keys)) {
      problems.add('apiKeys', 'an array of { "key", "id", "account" } (or, in code, a lookup function)', keys);
    } else {
      const ids = new Map<string, number>();
      const secrets = new Map<string, number>();
      keys.forEach((entry: unknown, index: number) => {
        const path = `apiKeys[${index}]`;
        if (!problems.object(path, entry, 'a key { "key", "id", "account" }')) return;
        problems.unknownKeys(path, entry, ['key', 'id', 'account', 'user', 'models']);
        if (typeof entry.key !== 'string' || entry.key.length < MIN_GATEWAY_KEY_LENGTH) {
          problems.add(`${path}.key`, `a string of at least ${MIN_GATEWAY_KEY_LENGTH} characters`, entry.key, {
            secret: true,
          });
        } else if (secrets.has(entry.key)) {
          problems.list.push({
            path: `${path}.key`,
            expected: 'a key of its own',
            found: `the same key as apiKeys[${secrets.get(entry.key)}]`,
          });
        } else {
          secrets.set(entry.key, index);
        }
        problems.string(`${path}.id`, entry.id, { optional: false, nonEmpty: true });
        if (typeof entry.id === 'string' && ids.has(entry.id)) {
          problems.list.push({
            path: `${path}.id`,
            expected: 'an id of its own',
            found: `the id of apiKeys[${ids.get(entry.id)}] ("${entry.id}")`,
          });
        } else if (typeof entry.id === 'string') {
          ids.set(entry.id, index);
        }
        problems.string(`${path}.account`, entry.account, { optional: false, nonEmpty: true });
        problems.string(`${path}.user`, entry.user, { nonEmpty: true });
        problems.stringArray(`${path}.models`, entry.models);
      });
    }
  }
  checkAdminKeys(problems, config.adminKeys, Array.isArray(keys) ? keys : []);
  const account = config.defaultAccount;
  if (account !== undefined && problems.object('defaultAccount', account, 'an account { "id": "team_x" }')) {
    problems.unknownKeys('defaultAccount', account, ['id', 'user', 'apiKeyId']);
    problems.string('defaultAccount.id', account.id, { optional: false, nonEmpty: true });
    problems.string('defaultAccount.user', account.user, { nonEmpty: true });
    problems.string('defaultAccount.apiKeyId', account.apiKeyId, { nonEmpty: true });
  }
  if (config.basePath !== undefined && (typeof config.basePath !== 'string' || /[\s?#]/.test(config.basePath))) {
    problems.add('basePath', 'a path such as "/ai"', config.basePath);
  }
  problems.integer('bodyLimitBytes', config.bodyLimitBytes, 1, 'bytes');
  const cors = config.cors;
  if (
    cors !== undefined &&
    typeof cors !== 'boolean' &&
    problems.object('cors', cors, 'true, false or { "origin": "*" | [...] }')
  ) {
    problems.unknownKeys('cors', cors, ['origin', 'maxAgeSeconds', 'credentials']);
    if (cors.origin !== '*' && typeof cors.origin !== 'function')
      problems.stringArray('cors.origin', cors.origin ?? null);
    problems.integer('cors.maxAgeSeconds', cors.maxAgeSeconds, 0, 'seconds');
    problems.boolean('cors.credentials', cors.credentials);
  }
  const dashboard = config.dashboard;
  if (
    dashboard !== undefined &&
    typeof dashboard !== 'boolean' &&
    problems.object('dashboard', dashboard, 'true, false or { "path": "/dashboard" }')
  ) {
    problems.unknownKeys('dashboard', dashboard, ['path']);
    if (dashboard.path !== undefined && (typeof dashboard.path !== 'string' || !DASHBOARD_PATH.test(dashboard.path)))
      problems.add('dashboard.path', 'a path such as "/dashboard" (starting with "/", no query)', dashboard.path);
  }
  const dialects = config.dialects;
  if (dialects !== undefined) {
    if (!Array.isArray(dialects))
      problems.add('dialects', `an array of ${DIALECTS.map((d) => `'${d}'`).join(', ')}`, dialects);
    else
      dialects.forEach((name: unknown, index: number) => {
        // A dialect object (in code) is checked by the route table when the handler is built.
        if (typeof name === 'object' && name !== null && 'routes' in name && 'name' in name) return;
        problems.oneOf(`dialects[${index}]`, name, DIALECTS);
      });
  }
  problems.logger('logger', config.logger, true);
  checkMetrics(problems, config.metrics);
  const responses = config.responses;
  if (
    responses !== undefined &&
    problems.object('responses', responses, '{ "ttlMs": 86400000 } or { "store": false }')
  ) {
    problems.unknownKeys('responses', responses, ['store', 'ttlMs', 'maxEntries']);
    problems.integer('responses.ttlMs', responses.ttlMs, 1, 'milliseconds');
    problems.integer('responses.maxEntries', responses.maxEntries, 1, '');
    const store = responses.store;
    if (store !== undefined && store !== false && !isKeyValueStore(store))
      problems.add('responses.store', 'false, or (in code) a key-value store', store);
  }
}

function isKeyValueStore(value: unknown): boolean {
  const store = value as Record<string, unknown> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    ['getValue', 'setValue', 'deleteValue'].every((method) => typeof store[method] === 'function')
  );
}

/** A dashboard path: `/` and path segments, no query, fragment or spaces. */
const DASHBOARD_PATH = /^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/;

function checkBilling(problems: Problems, config: Record<string, unknown>): void {
  const billing = config.billing;
  const store = config.store;
  checkStore(problems, store);
  if (billing === undefined || billing === false) return;
  // A ready Router beside a ready Billing is the older wiring (the caller put `billing.hook` into the router).
  if (isRouterInstance(config.router) && !isBillingSource(billing)) {
    const expected =
      "no billing beside a ready `Router`: billing is wired into the router the gateway builds, so pass the router's configuration";
    problems.add('billing', expected, billing);
    return;
  }
  if (billing === true) return;
  if (isBillingInstance(billing) || isBillingSource(billing)) {
    if (store !== undefined)
      problems.add('store', 'no store beside a ready billing instance (it has its own store)', store);
    return;
  }
  if (
    !problems.object(
      'billing',
      billing,
      'billing options such as { "freeAllocationNano": 1000000000 }, true, or (in code) a Billing',
    )
  )
    return;
  problems.unknownKeys('billing', billing, BILLING_KEYS);
  problems.integer('billing.freeAllocationNano', billing.freeAllocationNano, 0, 'nano-dollars');
  for (const key of ['reservationTtlMs', 'configCacheMs', 'retryIntervalMs'])
    problems.integer(`billing.${key}`, billing[key], 1, 'milliseconds');
  problems.integer('billing.defaultOutputReservationTokens', billing.defaultOutputReservationTokens, 1, 'tokens');
  problems.integer('billing.maxPendingSettlements', billing.maxPendingSettlements, 1, '');
  problems.number('billing.inputEstimateMargin', billing.inputEstimateMargin, 0, 10);
  problems.oneOf('billing.onStoreFailure', billing.onStoreFailure, ['fail-closed', 'fail-open']);
  problems.string('billing.defaultAccountId', billing.defaultAccountId, { nonEmpty: true });
  problems.fn('billing.onUsageRecord', billing.onUsageRecord);
  problems.boolean('billing.billCacheHits', billing.billCacheHits);
  problems.fn('billing.now', billing.now);
  const budgets = billing.budgets;
  if (budgets !== undefined) {
    if (!Array.isArray(budgets)) problems.add('billing.budgets', 'an array of budgets', budgets);
    else budgets.forEach((rule: unknown, index: number) => checkBudget(problems, `billing.budgets[${index}]`, rule));
  }
  const limits = billing.rateLimits;
  if (
    limits !== undefined &&
    problems.object('billing.rateLimits', limits, 'rate limits { "requestsPerMinute", "tokensPerMinute" }')
  ) {
    problems.unknownKeys('billing.rateLimits', limits, ['requestsPerMinute', 'tokensPerMinute']);
    const before = problems.list.length;
    problems.integer('billing.rateLimits.requestsPerMinute', limits.requestsPerMinute, 1, '');
    problems.integer('billing.rateLimits.tokensPerMinute', limits.tokensPerMinute, 1, '');
    if (problems.list.length === before)
      delegate(problems, 'billing.rateLimits', limits, () => validateRateLimits(limits as RateLimits));
  }
}

function checkBudget(problems: Problems, path: string, rule: unknown): void {
  if (!problems.object(path, rule, 'a budget { "accountId", "scope", "period", "hardLimitNano" }')) return;
  problems.unknownKeys(path, rule, ['accountId', 'scope', 'target', 'period', 'softLimitNano', 'hardLimitNano']);
  const before = problems.list.length;
  problems.integer(`${path}.softLimitNano`, rule.softLimitNano, 0, 'nano-dollars');
  problems.integer(`${path}.hardLimitNano`, rule.hardLimitNano, 0, 'nano-dollars');
  if (problems.list.length === before)
    delegate(problems, path, rule, () => validateBudget(rule as unknown as BudgetRule));
}

/** Runs a module's own validator, turning its error into a problem at the path of the field it names. */
function delegate(problems: Problems, path: string, value: Record<string, unknown>, validate: () => void): void {
  try {
    validate();
  } catch (error) {
    const param = isGatewayError(error) ? error.param : undefined;
    const message = error instanceof Error ? error.message.replace(/^Invalid [a-z ]+: /, '') : String(error);
    const at = param ? `${path}.${param}` : path;
    problems.add(at, `a valid value (${message})`, param ? value[param] : value);
  }
}

function checkStore(problems: Problems, store: unknown): void {
  if (store === undefined || store === 'memory' || isStoreInstance(store)) return;
  const expected = `'memory', { "memory": {} }, { "redis": { "url": "redis://host:6379" } }, { "redis": { "cluster": ["redis://host:7000", ...] } }, or (in code) a StateStore`;
  if (!problems.object('store', store, expected)) return;
  const kinds = Object.keys(store);
  if (kinds.length !== 1 || (kinds[0] !== 'redis' && kinds[0] !== 'memory')) {
    problems.add('store', expected, store);
    return;
  }
  const kind = kinds[0];
  const options = store[kind];
  if (
    !problems.object(
      `store.${kind}`,
      options,
      kind === 'redis'
        ? '{ "url": "redis://host:6379" } or { "cluster": ["redis://host:7000", ...] }'
        : 'memory store options, or {}',
    )
  )
    return;
  problems.unknownKeys(`store.${kind}`, options, kind === 'redis' ? REDIS_KEYS : MEMORY_KEYS);
  problems.string(`store.${kind}.prefix`, options.prefix, { nonEmpty: true });
  for (const key of ['recordRetentionMs', 'markerRetentionMs'])
    problems.integer(`store.${kind}.${key}`, options[key], 1, 'milliseconds');
  if (kind === 'redis') {
    const url = options.url;
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url) || !URL.canParse(url))) {
      problems.add('store.redis.url', 'a redis:// or rediss:// URL', url, { secret: true });
    }
    checkCluster(problems, options.cluster, url);
    for (const key of ['commandTimeoutMs', 'connectTimeoutMs', 'maxReconnectDelayMs', 'startTimeoutMs']) {
      problems.integer(`store.redis.${key}`, options[key], 1, 'milliseconds');
    }
  } else {
    problems.integer('store.memory.maxRecords', options.maxRecords, 1, '');
    problems.integer('store.memory.maxEntries', options.maxEntries, 1, '');
  }
}

/** `store.redis.cluster`: node URLs of one Redis Cluster (host and port; no database, which a cluster has not). */
function checkCluster(problems: Problems, cluster: unknown, url: unknown): void {
  if (cluster === undefined) return;
  const expected = 'a list of Redis Cluster node URLs, e.g. ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]';
  if (!Array.isArray(cluster) || cluster.length === 0) {
    problems.add('store.redis.cluster', expected, cluster, { secret: true });
    return;
  }
  if (url !== undefined)
    problems.add('store.redis.url', 'no `url` beside `cluster` (one or the other)', url, { secret: true });
  const protocols = new Set<string>();
  cluster.forEach((node: unknown, index: number) => {
    const path = `store.redis.cluster[${index}]`;
    if (typeof node !== 'string' || !/^rediss?:\/\//.test(node) || !URL.canParse(node)) {
      problems.add(path, 'a redis:// or rediss:// URL of a cluster node (host:port)', node, { secret: true });
      return;
    }
    const parsed = new URL(node);
    protocols.add(parsed.protocol);
    if (parsed.pathname !== '' && parsed.pathname !== '/' && parsed.pathname !== '/0')
      problems.add(path, 'a node URL without a database number (a Redis Cluster has only database 0)', node, {
        secret: true,
      });
  });
  if (protocols.size > 1)
    problems.add('store.redis.cluster', 'node URLs of one scheme (all redis:// or all rediss://)', cluster, {
      secret: true,
    });
}

function checkInstances(
  problems: Problems,
  path: string,
  value: unknown,
  expected: string,
  accepts: (item: Record<string, unknown>) => boolean,
): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.add(path, `an array of ${expected}`, value);
    return;
  }
  value.forEach((item: unknown, index: number) => {
    if (!isPlainObjectOrInstance(item) || !accepts(item)) problems.add(`${path}[${index}]`, expected, item);
  });
}

/**
 * Whether a value is a ready router (a `Router`, or anything with its request methods). @example
 * `isRouterInstance(new Router({ providers }))`
 */
export function isRouterInstance(value: unknown): value is Router {
  return isPlainObjectOrInstance(value) && typeof value.generate === 'function' && typeof value.stream === 'function';
}

/** Whether a value is a {@link StateStore} instance. @example `isStoreInstance(new MemoryStore()) // true` */
export function isStoreInstance(value: unknown): value is StateStore {
  return isPlainObjectOrInstance(value) && typeof value.reserve === 'function' && typeof value.settle === 'function';
}

/**
 * Whether a value is a `Billing` (it has the request hook to wire). @example
 * `isBillingInstance(createBilling()) // true`
 */
export function isBillingInstance(value: unknown): value is Billing {
  return isPlainObjectOrInstance(value) && isPlainObjectOrInstance(value.hook) && typeof value.attach === 'function';
}

/**
 * Whether a value is a source for the billing endpoints (a `Billing` is one too). @example `isBillingSource(billing)`
 */
export function isBillingSource(value: unknown): value is GatewayBilling {
  return (
    isPlainObjectOrInstance(value) && typeof value.getCredits === 'function' && typeof value.getReport === 'function'
  );
}

function isStrategyInstance(value: unknown): value is Strategy {
  return isPlainObjectOrInstance(value) && typeof value.rank === 'function';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObjectOrInstance(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null && !Array.isArray(value)) || typeof value === 'function';
}

function join(base: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  if (!base) return segment;
  return /^[A-Za-z_$]/.test(segment) ? `${base}.${segment}` : `${base}[${segment}]`;
}

/** How a found value is shown: its type, and its value when short and not a secret. */
function describeValue(value: unknown, secret: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    if (secret) return `a string of ${value.length} characters`;
    return value.length > 60 ? `"${value.slice(0, 57)}..."` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return secret ? `a ${typeof value}` : `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  const keys = Object.keys(value as object);
  if (keys.length === 0) return 'an empty object';
  return `an object with ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}`;
}

/** The known option nearest a typo (edit distance at most 2, or a case-only difference). */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** @internal The router option names at the top level of a {@link GatewayConfig}. */
export const GATEWAY_ROUTER_KEYS: readonly (keyof GatewayConfig)[] = ROUTER_KEYS;
/** @internal The handler option names at the top level of a {@link GatewayConfig}. */
export const GATEWAY_HANDLER_KEYS: readonly (keyof GatewayConfig)[] = HANDLER_KEYS;
