import type { Candidate } from '../../src/strategies/strategy.js';

/** A seeded pseudo-random source (mulberry32), so strategy tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** A candidate for strategy tests. */
export function candidate(
  provider: string,
  providerModelId = 'model-x',
  type: Candidate['providerType'] = 'openai',
  input = '1',
  output = '2',
): Candidate {
  return {
    model: 'test/model',
    provider,
    providerType: type,
    providerModelId,
    offering: { provider, providerModelId, model: 'test/model', pricing: { input, output }, capabilities: {} },
  };
}
