/**
 * The `weighted` strategy: traffic split by weight among healthy offerings.
 *
 * @module
 */
import { latencyWeighted, weightedOrder } from './latency-weighted.js';
import type { Candidate, Strategy, StrategyContext } from './strategy.js';

/**
 * Splits traffic by weight: each request puts an offering first with a probability proportional to its
 * provider's weight (`{ openai: 3, 'openai-eu': 1 }`: 75% and 25%), and the rest follow in weighted order
 * (its fallbacks). A key names a provider instance, or else a provider type (every instance of it). An
 * offering whose breaker is open is left out of the split and put last; offerings without a weight (or
 * with 0) follow the weighted ones, ranked by `then` (default `latencyWeighted()`).
 *
 * @example
 * ```ts
 * const router = new Router({ providers, strategy: weighted({ openai: 3, 'openai-eu': 1 }) });
 * ```
 */
export function weighted(weights: Readonly<Record<string, number>>, then: Strategy = latencyWeighted()): Strategy {
  for (const [name, weight] of Object.entries(weights))
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
      throw new TypeError(`weighted(): the weight of '${name}' must be a number of 0 or more, got ${String(weight)}`);
  const weightOf = (candidate: Candidate): number =>
    weights[candidate.provider] ?? weights[candidate.providerType] ?? 0;
  return {
    name: 'weighted',
    rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
      const split: Candidate[] = [];
      const splitWeights: number[] = [];
      const rest: Candidate[] = [];
      const unavailable: Candidate[] = [];
      for (const candidate of candidates) {
        if (!context.health.isAvailable(candidate.provider, candidate.providerModelId)) unavailable.push(candidate);
        else {
          const weight = weightOf(candidate);
          if (weight > 0) {
            split.push(candidate);
            splitWeights.push(weight);
          } else rest.push(candidate);
        }
      }
      const ranked = weightedOrder(split, splitWeights, context.random);
      if (rest.length > 0) ranked.push(...then.rank(rest, context));
      for (const candidate of unavailable) ranked.push(candidate);
      return ranked;
    },
  };
}
