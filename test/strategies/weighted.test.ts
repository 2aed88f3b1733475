import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import { weighted } from '../../src/strategies/weighted.js';
import { createGateway } from '../../src/gateway.js';
import { configProblems, validateGatewayConfig } from '../../src/gateway-config.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { runStrategyContract } from './strategy-contract.js';

runStrategyContract('weighted', () => weighted({ openai: 3, 'openai-eu': 1, anthropic: 2 }));
runStrategyContract('weighted (by provider type)', () => weighted({ openai: 1, bedrock: 1 }));

describe('weighted', () => {
  const pool = [candidate('openai'), candidate('openai-eu'), candidate('anthropic', 'model-x', 'anthropic')];

  it('splits first places by weight (3:1) among the weighted offerings, the others after', () => {
    const strategy = weighted({ openai: 3, 'openai-eu': 1 });
    const context = { health: new HealthTracker(), streamed: false, random: seededRandom(3) };
    const first: Record<string, number> = { openai: 0, 'openai-eu': 0, anthropic: 0 };
    const requests = 8_000;
    for (let index = 0; index < requests; index += 1) {
      const ranked = strategy.rank(pool, context);
      first[ranked[0].provider] += 1;
      assert.equal(ranked[2].provider, 'anthropic', 'an offering without a weight follows the weighted ones');
    }
    assert.equal(first.anthropic, 0);
    const share = first.openai / requests;
    assert.ok(share > 0.73 && share < 0.77, `openai first in ${(share * 100).toFixed(1)}% of requests`);
  });

  it('leaves an offering whose breaker is open out of the split', () => {
    const health = new HealthTracker({ consecutiveFailuresToOpen: 1 });
    health.record('openai', 'model-x', { success: false, latencyMs: 5, streamed: false });
    const strategy = weighted({ openai: 3, 'openai-eu': 1 });
    for (let seed = 1; seed <= 20; seed += 1) {
      const ranked = strategy.rank(pool, { health, streamed: false, random: seededRandom(seed) });
      assert.deepEqual(
        ranked.map((item) => item.provider),
        ['openai-eu', 'anthropic', 'openai'],
      );
    }
  });

  it('refuses a negative or non-numeric weight', () => {
    assert.throws(() => weighted({ openai: -1 }), /weight of 'openai'/);
  });
});

describe('weighted in the gateway config', () => {
  it('is built from { name: "weighted", weights }, and bad weights are config problems', async () => {
    const gateway = createGateway({
      providers: { openai: { apiKey: 'sk-weighted-0123' }, 'openai-eu': { type: 'openai', apiKey: 'sk-eu-0123' } },
      strategy: { name: 'weighted', weights: { openai: 3, 'openai-eu': 1 } },
      preload: false,
    });
    try {
      assert.equal(gateway.router.strategy.name, 'weighted');
    } finally {
      await gateway.close();
    }
    let problems: ReturnType<typeof configProblems> = [];
    try {
      validateGatewayConfig({
        providers: { openai: { apiKey: 'sk-x' } },
        strategy: { name: 'weighted', weights: { openai: 'lots' } },
      });
    } catch (error) {
      problems = configProblems(error);
    }
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['strategy.weights.openai'],
    );
  });
});
