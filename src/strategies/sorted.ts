/**
 * The `sorted` strategy, after Vercel AI Gateway's `providerOptions.gateway.sort`: cheapest first, or
 * fastest (time to first token, tokens per second) by the health statistics.
 *
 * @module
 */
import { computeCost } from '../billing/cost.js';
import { latencyWeighted } from './latency-weighted.js';
import type { Candidate, Strategy, StrategyContext } from './strategy.js';

/**
 * What `sort` orders by: list price (`cost`), time to first token (`ttft`) or throughput (`tps`).
 *
 * @example
 * ```ts
 * const sort: SortKey = 'cost';
 * ```
 */
export type SortKey = 'cost' | 'tps' | 'ttft';

/**
 * Candidates in the order of a sort key; ties keep their order. The cost is the list price of a million
 * input and a million output tokens; the speeds are the health tracker's latencies (unknown ones last).
 *
 * @example
 * ```ts
 * sortCandidates(ranked, 'cost', context);
 * ```
 */
export function sortCandidates(candidates: readonly Candidate[], sort: SortKey, context: StrategyContext): Candidate[] {
  const key = (candidate: Candidate): number => {
    if (sort === 'cost') {
      const tokens = { noCacheInput: 1_000_000, cacheRead: 0, cacheWrite: 0, output: 1_000_000 };
      return computeCost(tokens, candidate.offering.pricing).total;
    }
    const score = context.health.score(candidate.provider, candidate.providerModelId, sort === 'ttft');
    return score.latencyMs ?? Number.MAX_SAFE_INTEGER;
  };
  return candidates
    .map((candidate, index) => ({ candidate, index, key: key(candidate) }))
    .sort((a, b) => a.key - b.key || a.index - b.index)
    .map((entry) => entry.candidate);
}

/**
 * Ranks by `then` (default `latencyWeighted()`), then orders by a sort key (see {@link sortCandidates}).
 *
 * @example
 * ```ts
 * const router = new Router({ providers, strategy: sorted('cost') });
 * ```
 */
export function sorted(sort: SortKey, then: Strategy = latencyWeighted()): Strategy {
  return {
    name: 'sorted',
    rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
      return sortCandidates(then.rank(candidates, context), sort, context);
    },
  };
}
