/**
 * Candidates: the offerings that may serve a request, in the order they are tried. Eligibility (the
 * configured providers, the operation, the request's needs) is computed once per model and kind of
 * request and cached; the ranking (the strategy, then `sort`, then `order`) runs per request.
 *
 * @module
 */
import { parseRawModelId, type Catalog, type ResolvedOffering } from '../catalog/catalog.js';
import { GatewayError } from '../core/errors.js';
import type { HealthTracker } from '../health/health-tracker.js';
import type { Operation } from '../operations/operation.js';
import type { NormalizedRequest } from './router-types.js';
import { filterOfferings } from './gateway-options.js';
import { filterProviders } from '../strategies/only.js';
import { orderFirst } from '../strategies/ordered.js';
import { sortCandidates, type SortKey } from '../strategies/sorted.js';
import type { Candidate, Strategy, StrategyContext } from '../strategies/strategy.js';
import type { ProviderEntry, ProviderRegistry } from './provider-registry.js';

interface Eligible {
  candidates: Candidate[];
  reasons: string[];
}

/**
 * Resolves and ranks the candidates of requests for one router.
 *
 * @example
 * ```ts
 * const candidates = new Candidates(catalog, providers, latencyWeighted(), health, Math.random);
 * candidates.resolve(request, generateOperation, false);
 * ```
 */
export class Candidates {
  private readonly eligible = new Map<string, Eligible>();
  private eligibleVersion = -1;
  /** Models to add when every offering of a model is too small for a request (`contextWindowFallbacks`). */
  contextWindowFallbacks: Readonly<Record<string, readonly string[]>> | undefined = undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly providers: ProviderRegistry,
    private readonly strategy: Strategy,
    private readonly health: HealthTracker,
    private readonly random: () => number,
  ) {}

  /**
   * The candidates of a request in the order they would be tried: the requested model's offerings,
   * then each fallback model's, restricted to configured providers, `only`, and the operation's needs.
   * Throws `no_route` saying why.
   */
  resolve(request: NormalizedRequest, operation: Operation<unknown, unknown>, streamed: boolean): Candidate[] {
    const gateway = request.providerOptions?.gateway;
    const context: StrategyContext = { health: this.health, streamed, random: this.random };
    const eligibility = operation.eligibility(request);
    const reasons: string[] = [];
    const ordered: Candidate[] = [];
    const models = [request.model, ...(gateway?.models ?? [])];
    for (const model of models) {
      const eligible = this.eligibleOfferings(model, `${operation.kind}:${eligibility.key}:${model}`, eligibility);
      reasons.push(...eligible.reasons);
      let group = eligible.candidates;
      if (gateway?.only) {
        const before = group.length;
        group = filterProviders(group, gateway.only);
        if (group.length < before) reasons.push(`providerOptions.gateway.only is [${gateway.only.join(', ')}]`);
      }
      const skipped = { context: 0 };
      const fitting = filterOfferings(request, group, this.catalog, reasons, skipped);
      if (fitting.length === 0 && skipped.context > 0 && this.contextWindowFallbacks?.[model])
        for (const larger of this.contextWindowFallbacks[model]) if (!models.includes(larger)) models.push(larger);
      group = fitting;
      ordered.push(...this.rank(group, context, gateway?.order, gateway?.sort));
    }
    if (ordered.length === 0) {
      // The reasons say why each offering was left out; the list of configured providers is the
      // operator's business and does not go to clients.
      const why = [...new Set(reasons)].join('; ') || 'no offering';
      throw new GatewayError('no_route', `No provider can serve '${request.model}': ${why}`, {
        param: 'model',
        details: { modelId: request.model },
      });
    }
    return ordered;
  }

  /**
   * Moves the offerings whose breaker is half-open (its cooldown is over) behind the others, and hands
   * each to `probe`. When every candidate is half-open, the request itself is the probe.
   */
  deferHalfOpen(candidates: Candidate[], probe: (candidate: Candidate) => void): Candidate[] {
    if (candidates.length <= 1) return candidates;
    const health = this.health;
    const halfOpen = candidates.filter((candidate) => {
      if (health.state(candidate.provider, candidate.providerModelId) === 'closed') return false;
      health.isAvailable(candidate.provider, candidate.providerModelId); // an open breaker past its cooldown turns half-open
      return health.state(candidate.provider, candidate.providerModelId) === 'half-open';
    });
    if (halfOpen.length === 0 || halfOpen.length === candidates.length) return candidates;
    for (const candidate of halfOpen) probe(candidate);
    return [...candidates.filter((candidate) => !halfOpen.includes(candidate)), ...halfOpen];
  }

  /**
   * The configured offerings of one model that fit an operation and the request's needs, with the
   * reasons others were left out. Computed once per key, then reused (the catalog's version invalidates it).
   */
  private eligibleOfferings(
    model: string,
    key: string,
    eligibility: ReturnType<Operation<unknown, unknown>['eligibility']>,
  ): Eligible {
    if (this.eligibleVersion !== this.catalog.version) {
      this.eligible.clear();
      this.eligibleVersion = this.catalog.version;
    }
    const cached = this.eligible.get(key);
    if (cached) return cached;
    const reasons: string[] = [];
    const candidates = this.offeringsOf(model, reasons).filter((candidate) => {
      const reason = eligibility.ineligible(candidate, this.catalog);
      if (reason !== undefined) reasons.push(reason);
      return reason === undefined;
    });
    const entry = { candidates, reasons };
    if (this.eligible.size >= 1_000) this.eligible.clear(); // raw ids are open-ended: keep the cache bounded
    this.eligible.set(key, entry);
    return entry;
  }

  private rank(
    group: Candidate[],
    context: StrategyContext,
    order: string[] | undefined,
    sort: SortKey | undefined,
  ): Candidate[] {
    if (group.length <= 1) return group;
    let ranked = this.strategy.rank(group, context);
    if (sort) ranked = sortCandidates(ranked, sort, context);
    if (order && order.length > 0) {
      const asRanked: Strategy = {
        name: 'as-ranked',
        rank: (rest) => ranked.filter((candidate) => rest.includes(candidate)),
      };
      ranked = orderFirst(ranked, order, asRanked, context);
    }
    return ranked;
  }

  private offeringsOf(model: string, reasons: string[]): Candidate[] {
    const entries = [...this.providers.entries.values()];
    const raw = parseRawModelId(model);
    if (raw) {
      const matching = entries.filter((entry) => entry.name === raw.provider || entry.type === raw.provider);
      if (matching.length === 0) reasons.push(`no provider named or of type '${raw.provider}' is configured`);
      return matching.map((entry) => {
        const known = this.findPriced(entry, raw.providerModelId);
        const offering: ResolvedOffering = known ?? {
          provider: entry.name,
          providerModelId: raw.providerModelId,
          pricing: { input: '0', output: '0' },
          model,
          capabilities: {},
        };
        return {
          model: known?.model ?? model,
          provider: entry.name,
          providerType: entry.type,
          providerModelId: raw.providerModelId,
          offering,
        };
      });
    }
    const offerings = this.catalog.resolve(model);
    const candidates: Candidate[] = [];
    for (const offering of offerings) {
      const serving = entries.filter(
        (entry) =>
          entry.name === offering.provider ||
          (entry.type === offering.provider && !offerings.some((known) => known.provider === entry.name)),
      );
      if (serving.length === 0) reasons.push(`${model} is offered by ${offering.provider}, which is not configured`);
      for (const entry of serving) {
        candidates.push({
          model,
          provider: entry.name,
          providerType: entry.type,
          providerModelId: offering.providerModelId,
          offering,
        });
      }
    }
    return candidates;
  }

  private findPriced(entry: ProviderEntry, providerModelId: string): ResolvedOffering | undefined {
    for (const model of this.catalog.list()) {
      for (const offering of model.offerings) {
        if (
          offering.providerModelId === providerModelId &&
          (offering.provider === entry.name || offering.provider === entry.type)
        ) {
          return this.catalog.resolve(model.id).find((resolved) => resolved.provider === offering.provider);
        }
      }
    }
    return undefined;
  }
}
