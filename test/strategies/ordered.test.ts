import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import { ordered } from '../../src/strategies/ordered.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { runStrategyContract } from './strategy-contract.js';

runStrategyContract('ordered', () => ordered(['bedrock', 'anthropic']));

describe('ordered', () => {
  const pool = [
    candidate('openai'),
    candidate('anthropic', 'm', 'anthropic'),
    candidate('bedrock-us', 'm', 'bedrock'),
    candidate('openai-eu'),
  ];
  const context = { health: new HealthTracker(), streamed: false, random: seededRandom(5) };

  it('puts the listed providers first in the listed order, matching instance names or types', () => {
    const ranked = ordered(['bedrock', 'anthropic'])
      .rank(pool, context)
      .map((item) => item.provider);
    assert.deepEqual(ranked.slice(0, 2), ['bedrock-us', 'anthropic']);
    assert.deepEqual([...ranked.slice(2)].sort(), ['openai', 'openai-eu']);
  });

  it('ignores listed providers that are not candidates', () => {
    const ranked = ordered(['vertex', 'openai-eu'])
      .rank(pool, context)
      .map((item) => item.provider);
    assert.equal(ranked[0], 'openai-eu');
    assert.equal(ranked.length, 4);
  });
});
