/**
 * The default strategy: ranks offerings by recent success rate and latency, randomised by weighted
 * sampling so traffic spreads and recovering offerings get probed; open breakers go last.
 *
 * @module
 */
import type { Candidate, Strategy, StrategyContext } from './strategy.js';

/**
 * Options of the latency-weighted strategy.
 *
 * @example
 * ```ts
 * const options: LatencyWeightedOptions = { successExponent: 6, latencyExponent: 1 };
 * ```
 */
export interface LatencyWeightedOptions {
  /** How hard failures weigh: weight ∝ successRate^successExponent (default 4). */
  successExponent?: number;
  /** How hard latency weighs: weight ∝ 1 / latency^latencyExponent (default 1). */
  latencyExponent?: number;
  /**
   * The least weight of an available offering, as a share of the best one's (default 0.05). It keeps
   * probing offerings that look slow or flaky, so one slow outlier (a cold start, say) cannot starve an
   * offering of the traffic that would show it has recovered.
   */
  minimumWeightRatio?: number;
}

/**
 * The default strategy: weighted random order, weight = successRate^4 / latency, and never less than
 * 5% of the best weight. Unknown offerings get the median latency of the known ones, so they are tried
 * and measured. Offerings whose breaker
 * is open are skipped for the cooldown (kept last, tried only when nothing else is left).
 *
 * @example
 * ```ts
 * const router = new Router({ providers, strategy: latencyWeighted({ successExponent: 6 }) });
 * ```
 */
export function latencyWeighted(options: LatencyWeightedOptions = {}): Strategy {
  const successExponent = options.successExponent ?? 4;
  const latencyExponent = options.latencyExponent ?? 1;
  const minimumWeightRatio = options.minimumWeightRatio ?? 0.05;
  return {
    name: 'latency-weighted',
    rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[] {
      if (candidates.length <= 1) return [...candidates];
      const available: Candidate[] = [];
      const unavailable: Candidate[] = [];
      for (const candidate of candidates)
        (context.health.isAvailable(candidate.provider, candidate.providerModelId) ? available : unavailable).push(
          candidate,
        );
      const scores = available.map((candidate) =>
        context.health.score(candidate.provider, candidate.providerModelId, context.streamed),
      );
      const known = scores
        .flatMap((score) => (score.latencyMs === undefined ? [] : [score.latencyMs]))
        .sort((a, b) => a - b);
      const fallbackLatency = known.length > 0 ? known[Math.floor(known.length / 2)] : 1;
      const weights = scores.map(
        (score) =>
          score.successRate ** successExponent / Math.max(score.latencyMs ?? fallbackLatency, 0.001) ** latencyExponent,
      );
      const floor = Math.max(...weights) * minimumWeightRatio;
      return [
        ...weightedOrder(
          available,
          weights.map((weight) => Math.max(weight, floor)),
          context.random,
        ),
        ...unavailable,
      ];
    },
  };
}

/**
 * Orders items by weighted sampling without replacement (Efraimidis–Spirakis keys).
 *
 * @example
 * ```ts
 * weightedOrder(['a', 'b'], [3, 1], Math.random); // 'a' first three times out of four
 * ```
 */
export function weightedOrder<T>(items: readonly T[], weights: readonly number[], random: () => number): T[] {
  const keyed = items.map((item, index) => {
    const weight = weights[index] > 0 && Number.isFinite(weights[index]) ? weights[index] : Number.MIN_VALUE;
    return { item, key: Math.max(random(), Number.MIN_VALUE) ** (1 / weight) };
  });
  keyed.sort((a, b) => b.key - a.key);
  return keyed.map((entry) => entry.item);
}
