/**
 * The `only` strategy, after Vercel AI Gateway's `only`.
 *
 * @module
 */
import { latencyWeighted } from './latency-weighted.js';
import { selectProvider, type Candidate, type Strategy, type StrategyContext } from './strategy.js';

/**
 * Only the listed providers may serve; they are ranked by `then` (default `latencyWeighted()`).
 *
 * @example
 * ```ts
 * const router = new Router({ providers, strategy: only(['anthropic']) });
 * ```
 */
export function only(providers: readonly string[], then: Strategy = latencyWeighted()): Strategy {
  return {
    name: 'only',
    rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
      return then.rank(filterProviders(candidates, providers), context);
    },
  };
}

/**
 * Keeps the candidates whose provider is listed.
 *
 * @example
 * ```ts
 * filterProviders(candidates, ['anthropic', 'bedrock']);
 * ```
 */
export function filterProviders(candidates: readonly Candidate[], providers: readonly string[]): Candidate[] {
  const selected = new Set(providers.flatMap((name) => selectProvider(candidates, name)));
  return candidates.filter((candidate) => selected.has(candidate));
}
