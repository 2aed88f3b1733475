/**
 * The strategy contract suite: every strategy (built-in or a user's) must pass it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { HealthTracker } from '../../src/health/health-tracker.js';
import type { Candidate, Strategy, StrategyContext } from '../../src/strategies/strategy.js';
import { candidate, seededRandom } from '../helpers/candidates.js';

export function runStrategyContract(name: string, create: () => Strategy, options: { mayDrop?: boolean } = {}): void {
  describe(`${name} (strategy contract)`, () => {
    const context = (health = new HealthTracker(), seed = 1): StrategyContext => ({
      health,
      streamed: false,
      random: seededRandom(seed),
    });
    const pool = (): Candidate[] => [
      candidate('openai'),
      candidate('anthropic', 'm', 'anthropic'),
      candidate('bedrock', 'm', 'bedrock'),
      candidate('openai-eu'),
    ];

    it('has a name', () => {
      assert.equal(typeof create().name, 'string');
      assert.ok(create().name.length > 0);
    });

    it('returns an empty list for no candidates', () => {
      assert.deepEqual(create().rank([], context()), []);
    });

    it('never invents or duplicates candidates', () => {
      const input = pool();
      for (let seed = 1; seed <= 20; seed += 1) {
        const ranked = create().rank(input, context(new HealthTracker(), seed));
        assert.equal(new Set(ranked).size, ranked.length, 'no duplicates');
        for (const item of ranked) assert.ok(input.includes(item), 'only given candidates');
        if (!options.mayDrop) assert.equal(ranked.length, input.length, 'keeps every candidate');
      }
    });

    it('does not modify its input', () => {
      const input = pool();
      const copy = [...input];
      create().rank(input, context());
      assert.deepEqual(input, copy);
    });

    it('is deterministic for the same random source and health', () => {
      const input = pool();
      const first = create()
        .rank(input, context(new HealthTracker(), 7))
        .map((item) => item.provider);
      const second = create()
        .rank(input, context(new HealthTracker(), 7))
        .map((item) => item.provider);
      assert.deepEqual(first, second);
    });

    it('puts an offering whose breaker is open after the healthy ones', () => {
      const health = new HealthTracker({ consecutiveFailuresToOpen: 2 });
      for (let index = 0; index < 2; index += 1)
        health.record('anthropic', 'm', { success: false, latencyMs: 5, streamed: false });
      const input = pool();
      for (let seed = 1; seed <= 10; seed += 1) {
        const ranked = create().rank(input, context(health, seed));
        const at = ranked.findIndex((item) => item.provider === 'anthropic');
        if (at >= 0) assert.equal(at, ranked.length - 1, 'the open offering is last');
      }
    });
  });
}
