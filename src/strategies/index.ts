/**
 * Strategies: the interface and the built-in ones.
 *
 * @module
 */
export { latencyWeighted, weightedOrder, type LatencyWeightedOptions } from './latency-weighted.js';
export { filterProviders, only } from './only.js';
export { ordered, orderFirst } from './ordered.js';
export { sortCandidates, sorted, type SortKey } from './sorted.js';
export { weighted } from './weighted.js';
export { selectProvider, type Candidate, type Strategy, type StrategyContext } from './strategy.js';
