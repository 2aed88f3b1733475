import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import { only } from '../../src/strategies/only.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { runStrategyContract } from './strategy-contract.js';

runStrategyContract('only', () => only(['anthropic', 'openai']), { mayDrop: true });

describe('only', () => {
  const pool = [
    candidate('openai'),
    candidate('anthropic', 'm', 'anthropic'),
    candidate('bedrock-us', 'm', 'bedrock'),
    candidate('openai-eu'),
  ];
  const context = { health: new HealthTracker(), streamed: false, random: seededRandom(5) };

  it('only keeps the listed providers', () => {
    const ranked = only(['anthropic', 'bedrock'])
      .rank(pool, context)
      .map((item) => item.provider)
      .sort();
    assert.deepEqual(ranked, ['anthropic', 'bedrock-us']);
  });
});
