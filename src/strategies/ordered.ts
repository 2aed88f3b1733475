/**
 * The `ordered` strategy, after Vercel AI Gateway's `order` (`only` is in `only.ts`).
 *
 * @module
 */
import { latencyWeighted } from './latency-weighted.js';
import { selectProvider, type Candidate, type Strategy, type StrategyContext } from './strategy.js';

/**
 * The listed providers first, in that order; the rest after them, ranked by `then` (default
 * `latencyWeighted()`). A name selects the instance of that name, or else every instance of that provider type. A
 * listed offering whose
 * breaker is open goes last until its cooldown ends.
 *
 * @example
 * ```ts
 * const router = new Router({ providers, strategy: ordered(['bedrock', 'anthropic']) });
 * ```
 */
export function ordered(providers: readonly string[], then: Strategy = latencyWeighted()): Strategy {
  return {
    name: 'ordered',
    rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
      return orderFirst(candidates, providers, then, context);
    },
  };
}

/**
 * Puts the listed providers first in the listed order, and the rest after, ranked by `rest`.
 *
 * @example
 * ```ts
 * orderFirst(candidates, ['bedrock'], latencyWeighted(), context);
 * ```
 */
export function orderFirst(
  candidates: readonly Candidate[],
  providers: readonly string[],
  rest: Strategy,
  context: StrategyContext,
): Candidate[] {
  const first: Candidate[] = [];
  for (const name of providers)
    for (const candidate of selectProvider(candidates, name)) if (!first.includes(candidate)) first.push(candidate);
  // A listed offering whose breaker is open waits out its cooldown at the end, like any other.
  const available = first.filter((candidate) =>
    context.health.isAvailable(candidate.provider, candidate.providerModelId),
  );
  const cooling = first.filter((candidate) => !available.includes(candidate));
  return [
    ...available,
    ...rest.rank(
      candidates.filter((candidate) => !first.includes(candidate)),
      context,
    ),
    ...cooling,
  ];
}
