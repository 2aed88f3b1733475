/**
 * The `Strategy` interface: how the router ranks the candidate offerings of a request.
 *
 * @module
 */
import type { ResolvedOffering } from '../catalog/catalog.js';
import type { HealthReader } from '../health/health-tracker.js';
import type { ProviderType } from '../providers/provider.js';

/**
 * One offering that can serve a request through a configured provider instance.
 *
 * @example
 * ```ts
 * const candidate: Candidate = { model: 'openai/gpt-4o', provider: 'openai', providerType: 'openai', providerModelId: 'gpt-4o', offering };
 * ```
 */
export interface Candidate {
  /** The catalog model id. */
  model: string;
  /** The provider instance name. */
  provider: string;
  providerType: ProviderType;
  providerModelId: string;
  offering: ResolvedOffering;
}

/**
 * What a strategy may consult when ranking.
 *
 * @example
 * ```ts
 * const context: StrategyContext = { health: tracker, streamed: true, random: Math.random };
 * ```
 */
export interface StrategyContext {
  health: HealthReader;
  /** Streaming requests rank by time to first token; others by time per output token. */
  streamed: boolean;
  random: () => number;
}

/**
 * Ranks candidates. The router tries them in the returned order; a strategy may drop candidates
 * (as `only` does) but must not invent any.
 *
 * @example
 * ```ts
 * const cheapestFirst: Strategy = {
 *   name: 'cheapest-first',
 *   rank: (candidates) => [...candidates].sort((a, b) => Number(a.offering.pricing.input) - Number(b.offering.pricing.input)),
 * };
 * const router = new Router({ providers, strategy: cheapestFirst });
 * ```
 */
export interface Strategy {
  readonly name: string;
  rank(candidates: readonly Candidate[], context: StrategyContext): Candidate[];
}

/**
 * The candidates a provider name given in `order`/`only` selects: the instance of that name when
 * one is among the candidates, otherwise every instance of that provider type.
 *
 * @example
 * ```ts
 * selectProvider(candidates, 'bedrock'); // the instance named 'bedrock', or all of type 'bedrock' ('bedrock-us', ...)
 * ```
 */
export function selectProvider(candidates: readonly Candidate[], name: string): Candidate[] {
  const exact = candidates.filter((candidate) => candidate.provider === name);
  return exact.length > 0 ? exact : candidates.filter((candidate) => candidate.providerType === name);
}
