import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import { latencyWeighted, weightedOrder } from '../../src/strategies/latency-weighted.js';
import { candidate, seededRandom } from '../helpers/candidates.js';
import { runStrategyContract } from './strategy-contract.js';

runStrategyContract('latencyWeighted', () => latencyWeighted());

describe('latencyWeighted', () => {
  const firsts = (health: HealthTracker, streamed: boolean, runs = 2000): Record<string, number> => {
    const strategy = latencyWeighted();
    const random = seededRandom(42);
    const counts: Record<string, number> = {};
    const pool = [candidate('fast'), candidate('slow'), candidate('new')];
    for (let run = 0; run < runs; run += 1) {
      const first = strategy.rank(pool, { health, streamed, random })[0].provider;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    return counts;
  };

  it('prefers the faster offering but still sends some traffic to the slower one', () => {
    const health = new HealthTracker();
    for (let index = 0; index < 20; index += 1) {
      health.record('fast', 'model-x', { success: true, latencyMs: 100, outputTokens: 100, streamed: false });
      health.record('slow', 'model-x', { success: true, latencyMs: 400, outputTokens: 100, streamed: false });
      health.record('new', 'model-x', { success: true, latencyMs: 100, outputTokens: 100, streamed: false });
    }
    const counts = firsts(health, false);
    assert.ok(counts.fast > counts.slow * 2, `fast ${counts.fast} vs slow ${counts.slow}`);
    assert.ok(counts.slow > 50, 'the slow one is still probed');
  });

  it('ranks streams by time to first token, not total latency', () => {
    const health = new HealthTracker();
    for (let index = 0; index < 20; index += 1) {
      health.record('fast', 'model-x', { success: true, latencyMs: 5000, timeToFirstTokenMs: 400, streamed: true });
      health.record('slow', 'model-x', { success: true, latencyMs: 1000, timeToFirstTokenMs: 100, streamed: true });
      health.record('new', 'model-x', { success: true, latencyMs: 1000, timeToFirstTokenMs: 100, streamed: true });
    }
    const counts = firsts(health, true);
    assert.ok(counts.slow > counts.fast * 2, `low TTFT wins: ${JSON.stringify(counts)}`);
  });

  it('counts failures (also fast ones, such as 429s) against an offering', () => {
    const health = new HealthTracker({ consecutiveFailuresToOpen: 1000, minimumSamples: 1000 });
    for (let index = 0; index < 20; index += 1) {
      health.record('fast', 'model-x', { success: index % 2 === 0, latencyMs: 10, outputTokens: 10, streamed: false });
      health.record('slow', 'model-x', { success: true, latencyMs: 20, outputTokens: 10, streamed: false });
      health.record('new', 'model-x', { success: true, latencyMs: 20, outputTokens: 10, streamed: false });
    }
    const counts = firsts(health, false);
    assert.ok(counts.slow > counts.fast, `the reliable one wins: ${JSON.stringify(counts)}`);
  });

  it('gives an offering without data a fair chance', () => {
    const health = new HealthTracker();
    for (let index = 0; index < 20; index += 1) {
      health.record('fast', 'model-x', { success: true, latencyMs: 100, outputTokens: 100, streamed: false });
      health.record('slow', 'model-x', { success: true, latencyMs: 300, outputTokens: 100, streamed: false });
    }
    const counts = firsts(health, false);
    assert.ok(counts.new > 300, `the new offering is probed: ${JSON.stringify(counts)}`);
  });

  it('keeps probing an offering one slow outlier made look bad', () => {
    const health = new HealthTracker();
    health.record('slow', 'model-x', { success: true, latencyMs: 5_000, outputTokens: 5, streamed: false }); // a cold start
    for (let index = 0; index < 20; index += 1) {
      health.record('fast', 'model-x', { success: true, latencyMs: 5, outputTokens: 5, streamed: false });
      health.record('new', 'model-x', { success: true, latencyMs: 5, outputTokens: 5, streamed: false });
    }
    const counts = firsts(health, false);
    assert.ok(
      counts.slow >= 20 && counts.slow < 150,
      `about 2% of first picks (never zero): ${JSON.stringify(counts)}`,
    );
  });

  it('weightedOrder follows the weights', () => {
    const random = seededRandom(3);
    let first = 0;
    for (let run = 0; run < 4000; run += 1) if (weightedOrder(['a', 'b'], [3, 1], random)[0] === 'a') first += 1;
    assert.ok(first > 2800 && first < 3200, `about three in four: ${first}`);
  });
});
