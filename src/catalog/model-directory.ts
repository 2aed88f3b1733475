/**
 * The model directory: the catalog models a router can reach, each with its configured offerings,
 * their prices and live availability from the health tracker; model names as users type them; the
 * "did you mean" of an unknown model. Every dialect's model listing shapes these for its wire.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import type { BreakerState } from '../health/health-tracker.js';
import type { NormalizedRequest } from '../router/router-types.js';
import type { VirtualModel } from '../router/routing-rules.js';
import type { Candidate } from '../strategies/strategy.js';
import { UNKNOWN_RELEASE_DATE } from './built-in-models.js';
import type { Catalog, ModelDefinition, Pricing } from './catalog.js';

/**
 * What the directory reads of a router (`Router` satisfies it).
 *
 * @example
 * ```ts
 * const models = listModels(router satisfies DirectorySource, undefined);
 * ```
 */
export interface DirectorySource {
  readonly catalog: Catalog;
  readonly health: {
    isAvailable(provider: string, providerModelId: string): boolean;
    state(provider: string, providerModelId: string): BreakerState;
  };
  /** The configured provider instance names. */
  providerNames(): string[];
  /** The configured offerings that can serve a request (ranked as the router would). */
  candidates?(
    request: NormalizedRequest,
    operation?: 'generate' | 'stream' | 'embed' | 'image' | 'rerank',
  ): Candidate[];
  /** Saved model names with their routing (`RouterConfig.virtualModels`), listed beside the catalog's. */
  readonly virtualModels?: Readonly<Record<string, VirtualModel>>;
}

/**
 * Whether a model id matches one of the allowed patterns (exact, or a prefix ending in `*`); every
 * model when there are no patterns.
 *
 * @example
 * ```ts
 * modelAllowed(['openai/*'], 'openai/gpt-4o'); // true
 * ```
 */
export function modelAllowed(patterns: readonly string[] | undefined, model: string): boolean {
  if (!patterns) return true;
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model,
  );
}

/**
 * One configured offering of a listed model.
 *
 * @example
 * ```ts
 * const offering: ListedOffering = { provider: 'anthropic', providerModelId: 'claude-sonnet-4-20250514', pricing: { input: '3', output: '15' }, available: true, state: 'closed' };
 * ```
 */
export interface ListedOffering {
  /** The provider instance name. */
  provider: string;
  providerModelId: string;
  pricing: Pricing;
  /** Whether the breaker lets requests through now. */
  available: boolean;
  state: BreakerState;
}

/**
 * A model the router can reach.
 *
 * @example
 * ```ts
 * const [first] = listModels(router, undefined);
 * console.log(first.model.id, first.offerings.map((offering) => offering.provider));
 * ```
 */
export interface ListedModel {
  model: ModelDefinition;
  offerings: ListedOffering[];
}

/**
 * The catalog models with at least one configured offering, restricted to the allowed patterns.
 *
 * @example
 * ```ts
 * const models = listModels(router, ['openai/*']);
 * ```
 */
export function listModels(router: DirectorySource, allowed: readonly string[] | undefined): ListedModel[] {
  const names = new Set(router.providerNames());
  const listed: ListedModel[] = [];
  for (const model of router.catalog.list()) {
    if (!modelAllowed(allowed, model.id)) continue;
    const offerings = configuredOfferings(router, model, names);
    if (offerings.length > 0) listed.push({ model, offerings });
  }
  for (const id of Object.keys(router.virtualModels ?? {})) {
    if (!modelAllowed(allowed, id)) continue;
    const virtual = listVirtual(router, id, names);
    if (virtual) listed.push(virtual);
  }
  return listed;
}

/**
 * A virtual model as a listed one: the definition of the model it stands for under its own id and name,
 * with that model's configured offerings (none listed when no configured provider serves it).
 */
function listVirtual(router: DirectorySource, id: string, names: Set<string>): ListedModel | undefined {
  const virtual = router.virtualModels?.[id];
  if (!virtual) return undefined;
  const targetId = router.catalog.canonicalId?.(virtual.model) ?? virtual.model;
  const target: ModelDefinition = router.catalog.get(targetId) ?? { id: virtual.model, offerings: [] };
  const offerings = configuredOfferings(router, target, names);
  if (offerings.length === 0) return undefined;
  const model: ModelDefinition = {
    ...target,
    id,
    name: virtual.name ?? id,
    description: virtual.description ?? `${target.name ?? target.id}, with saved routing`,
  };
  return { model, offerings };
}

/**
 * One model by id, when the router can reach it.
 *
 * @example
 * ```ts
 * const listed = findModel(router, 'openai/gpt-4o', undefined);
 * ```
 */
export function findModel(
  router: DirectorySource,
  id: string,
  allowed: readonly string[] | undefined,
): ListedModel | undefined {
  if (router.virtualModels?.[id] && modelAllowed(allowed, id))
    return listVirtual(router, id, new Set(router.providerNames()));
  const model = router.catalog.get(id);
  if (!model || !modelAllowed(allowed, id)) return undefined;
  const offerings = configuredOfferings(router, model, new Set(router.providerNames()));
  return offerings.length > 0 ? { model, offerings } : undefined;
}

/**
 * The provider instances that could serve a model (for `routing.fallbacksAvailable`).
 *
 * @example
 * ```ts
 * servingProviders(router, 'anthropic/claude-sonnet-4'); // ['anthropic', 'bedrock']
 * ```
 */
export function servingProviders(router: DirectorySource, id: string): readonly string[] {
  // Asked on every response (routing metadata), so kept per catalog version: which providers serve
  // a model changes only with the catalog, as a router's providers are fixed.
  const version = router.catalog.version;
  let cache = servingCache.get(router);
  if (!cache || cache.version !== version) {
    cache = { version, byModel: new Map() };
    servingCache.set(router, cache);
  }
  let providers = cache.byModel.get(id);
  if (!providers) {
    const model = router.catalog.get(id);
    providers = model
      ? [
          ...new Set(
            configuredOfferings(router, model, new Set(router.providerNames())).map((offering) => offering.provider),
          ),
        ]
      : [];
    if (cache.byModel.size < MAX_CACHED_MODELS) cache.byModel.set(id, providers);
  }
  return providers;
}

const MAX_CACHED_MODELS = 4096;
const servingCache = new WeakMap<DirectorySource, { version: number; byModel: Map<string, readonly string[]> }>();

/**
 * Maps an id without a creator (`gpt-4o`, `claude-sonnet-4-20250514`) to the catalog id of a vendor's
 * model, so that clients written for one vendor work unchanged, and an alias (a dated snapshot,
 * `-latest`, a dashed version: see `Catalog.canonicalId`) to its catalog id. Other ids are returned
 * as they are.
 *
 * @example
 * ```ts
 * resolveBareModelId(router, 'claude-sonnet-4-20250514', 'anthropic'); // 'anthropic/claude-sonnet-4'
 * resolveBareModelId(router, 'claude-3-5-haiku-latest', 'openai'); // 'anthropic/claude-3.5-haiku'
 * ```
 */
export function resolveBareModelId(router: DirectorySource, id: string, vendor: string): string {
  if (id.includes(':')) return id;
  const catalog = router.catalog;
  if (id.includes('/')) return catalog.get(id) ? id : (catalog.canonicalId?.(id) ?? id);
  if (catalog.get(`${vendor}/${id}`)) return `${vendor}/${id}`;
  for (const model of catalog.list()) {
    if (model.offerings.some((offering) => offering.provider === vendor && offering.providerModelId === id))
      return model.id;
  }
  // The names users type: dated snapshots, `-latest`, dashed versions, ids without a creator.
  return catalog.canonicalId?.(`${vendor}/${id}`) ?? catalog.canonicalId?.(id) ?? id;
}

function configuredOfferings(router: DirectorySource, model: ModelDefinition, names: Set<string>): ListedOffering[] {
  const operation =
    model.type === 'embedding' || model.capabilities?.embeddings
      ? 'embed'
      : model.type === 'image'
        ? 'image'
        : model.type === 'reranking'
          ? 'rerank'
          : 'generate';
  let pairs: Array<{ provider: string; providerModelId: string; pricing: Pricing }>;
  if (router.candidates) {
    try {
      const rank = (provider: string): number =>
        model.offerings.findIndex((offering) => offering.provider === provider);
      pairs = router
        .candidates({ model: model.id, prompt: [], tags: [], metadata: {} }, operation)
        .sort((a, b) => rank(a.offering.provider) - rank(b.offering.provider) || a.provider.localeCompare(b.provider))
        .map((candidate) => ({
          provider: candidate.provider,
          providerModelId: candidate.providerModelId,
          pricing: candidate.offering.pricing,
        }));
    } catch {
      pairs = [];
    }
  } else {
    pairs = model.offerings.filter((offering) => names.has(offering.provider));
  }
  return pairs.map((pair) => ({
    ...pair,
    available: router.health.isAvailable(pair.provider, pair.providerModelId),
    state: router.health.state(pair.provider, pair.providerModelId),
  }));
}

/**
 * When a model was released, for listings' `created`: the catalog's `released` date, else the fixed
 * {@link UNKNOWN_RELEASE_DATE} (2024-01-01).
 *
 * @example
 * ```ts
 * releasedAt({ id: 'openai/gpt-4o', released: '2024-05-13', offerings: [] }).toISOString(); // '2024-05-13T00:00:00.000Z'
 * ```
 */
export function releasedAt(model: ModelDefinition): Date {
  const released = model.released === undefined ? Number.NaN : Date.parse(model.released);
  return new Date(Number.isNaN(released) ? Date.parse(UNKNOWN_RELEASE_DATE) : released);
}

/**
 * The `model_not_found` error for a model the caller cannot use through this gateway, with the
 * nearest catalog ids by name ("did you mean").
 *
 * @example
 * ```ts
 * throw modelNotFound(router, 'anthropic/claude-sonet-4'); // "... Did you mean 'anthropic/claude-sonnet-4'?"
 * ```
 */
export function modelNotFound(router: DirectorySource, id: string): GatewayError {
  const suggestions = router.catalog.suggest?.(id) ?? [];
  const hint =
    suggestions.length > 0 ? ` Did you mean ${suggestions.map((suggestion) => `'${suggestion}'`).join(' or ')}?` : '';
  return new GatewayError('model_not_found', `Model '${id}' is not available through this gateway.${hint}`, {
    param: 'model',
    details: { modelId: id, ...(suggestions.length > 0 ? { suggestions } : {}) },
  });
}
