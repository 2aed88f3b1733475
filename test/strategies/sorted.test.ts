import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import { ordered } from '../../src/strategies/ordered.js';
import { sortCandidates, sorted } from '../../src/strategies/sorted.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { runStrategyContract } from './strategy-contract.js';

runStrategyContract('sorted', () => sorted('cost'));

describe('sorted', () => {
  const pool = [
    candidate('dear', 'm', 'openai', '5', '10'),
    candidate('cheap', 'm', 'openai', '0.1', '0.2'),
    candidate('middle', 'm', 'openai', '1', '2'),
  ];

  it('puts the cheapest first by list price', () => {
    const context = { health: new HealthTracker(), streamed: false, random: seededRandom(5) };
    assert.deepEqual(
      sorted('cost')
        .rank(pool, context)
        .map((item) => item.provider),
      ['cheap', 'middle', 'dear'],
    );
  });

  it('orders by time to first token, unknown latencies last and ties in the order given', () => {
    const health = new HealthTracker();
    health.record('middle', 'm', {
      success: true,
      latencyMs: 500,
      timeToFirstTokenMs: 50,
      outputTokens: 10,
      streamed: true,
    });
    health.record('dear', 'm', {
      success: true,
      latencyMs: 500,
      timeToFirstTokenMs: 300,
      outputTokens: 10,
      streamed: true,
    });
    const context = { health, streamed: true, random: seededRandom(5) };
    const given = ordered(['dear', 'cheap', 'middle']).rank(pool, context);
    assert.deepEqual(
      sortCandidates(given, 'ttft', context).map((item) => item.provider),
      ['middle', 'dear', 'cheap'],
    );
  });
});
