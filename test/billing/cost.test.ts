import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { computeCost, dollarsToNano, nanoToDollars, tokenCost } from '../../src/billing/cost.js';
import { BUILT_IN_MODELS } from '../../src/catalog/built-in-models.js';

describe('cost arithmetic', () => {
  it('parses decimal prices exactly', () => {
    assert.equal(dollarsToNano('2.50'), 2_500_000_000n);
    assert.equal(dollarsToNano('0.00875'), 8_750_000n);
    assert.equal(dollarsToNano('15'), 15_000_000_000n);
    assert.throws(() => dollarsToNano('1e-3'), /decimal/);
    assert.throws(() => dollarsToNano('0.0000000001'), /decimal/);
  });

  it('prices tokens in integer nano-dollars with no float error', () => {
    assert.equal(tokenCost(1_000, '2.50'), 2_500_000);
    assert.equal(tokenCost(1, '0.00875'), 9); // 8.75 nano rounds half up
    assert.equal(tokenCost(3, '0.10'), 300);
    // 0.1 + 0.2 style drift is impossible: a million single-token prices sum to the exact price of a million tokens.
    let sum = 0;
    for (let index = 0; index < 1000; index += 1) sum += tokenCost(1000, '0.30');
    assert.equal(sum, tokenCost(1_000_000, '0.30'));
    assert.equal(tokenCost(0, '3'), 0);
    assert.equal(tokenCost(100, undefined), 0);
  });

  it('agrees with exact BigInt arithmetic on random and boundary inputs, including beyond 2^53', () => {
    const exact = (tokens: number, price: string): number =>
      Number((BigInt(tokens) * dollarsToNano(price) + 500_000n) / 1_000_000n);
    const prices = ['0.00875', '0.075', '2.50', '15', '75', '0.000000001', '999.999999999'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let index = 0; index < 20_000; index += 1) {
      const price = prices[index % prices.length];
      const tokens = index % 3 === 0 ? next() * 4_000 + next() : next() % 2_000_000;
      assert.equal(tokenCost(tokens, price), exact(tokens, price), `${tokens} tokens at ${price}`);
    }
    for (const tokens of [499_999, 500_000, 1_000_000, 9_007_199, 123_456_789_012])
      for (const price of prices) assert.equal(tokenCost(tokens, price), exact(tokens, price));
  });

  it('splits cost by token kind, with cache prices falling back to the input price', () => {
    const cost = computeCost(
      { noCacheInput: 1_000, cacheRead: 2_000, cacheWrite: 500, output: 300 },
      { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75' },
    );
    assert.deepEqual(cost, {
      input: 3_000_000,
      output: 4_500_000,
      cacheRead: 600_000,
      cacheWrite: 1_875_000,
      total: 9_975_000,
    });
    const fallback = computeCost(
      { noCacheInput: 0, cacheRead: 1_000, cacheWrite: 0, output: 0 },
      { input: '2', output: '8' },
    );
    assert.equal(fallback.cacheRead, 2_000_000);
    for (const value of Object.values(cost)) assert.ok(Number.isInteger(value));
  });

  it('prices 1-hour cache writes at their own price, falling back to the cache write price', () => {
    const pricing = { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75', cacheWriteOneHour: '6' };
    // 600 five-minute writes at $3.75/M and 400 one-hour writes at $6/M.
    const split = computeCost(
      { noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 400, output: 0 },
      pricing,
    );
    assert.deepEqual(split, { input: 0, output: 0, cacheRead: 0, cacheWrite: 2_250_000 + 2_400_000, total: 4_650_000 });
    assert.equal(
      computeCost({ noCacheInput: 0, cacheRead: 0, cacheWrite: 2, cacheWriteOneHour: 1, output: 0 }, pricing)
        .cacheWrite,
      3_750 + 6_000,
    );
    // Each lifetime rounds on its own, half up: 1.5 nano → 2 and 2.5 nano → 3.
    assert.equal(
      computeCost(
        { noCacheInput: 0, cacheRead: 0, cacheWrite: 2, cacheWriteOneHour: 1, output: 0 },
        { input: '1', output: '1', cacheWrite: '0.0015', cacheWriteOneHour: '0.0025' },
      ).cacheWrite,
      2 + 3,
    );
    // All writes of one hour; more 1-hour writes than writes is clamped to the writes.
    assert.equal(
      computeCost({ noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 1_000, output: 0 }, pricing)
        .cacheWrite,
      6_000_000,
    );
    assert.equal(
      computeCost({ noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 5_000, output: 0 }, pricing)
        .cacheWrite,
      6_000_000,
    );
    // Without a 1-hour price, as before: the cache write price, then the input price.
    assert.equal(
      computeCost(
        { noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 400, output: 0 },
        { input: '3', output: '15', cacheWrite: '3.75' },
      ).cacheWrite,
      3_750_000,
    );
    assert.equal(
      computeCost(
        { noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 400, output: 0 },
        { input: '3', output: '15' },
      ).cacheWrite,
      3_000_000,
    );
    assert.equal(
      computeCost({ noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, output: 0 }, pricing).cacheWrite,
      3_750_000,
    );
  });

  it('lists a 1-hour cache write price of 2x input for every Claude offering', () => {
    for (const model of BUILT_IN_MODELS.filter((definition) => definition.id.startsWith('anthropic/'))) {
      for (const { provider, pricing } of model.offerings) {
        assert.ok(pricing.cacheWriteOneHour, `${model.id} on ${provider}`);
        assert.equal(
          dollarsToNano(pricing.cacheWriteOneHour),
          2n * dollarsToNano(pricing.input),
          `${model.id} on ${provider}`,
        );
        assert.equal(
          dollarsToNano(pricing.cacheWrite ?? '0') * 4n,
          5n * dollarsToNano(pricing.input),
          `${model.id} on ${provider}: 5-minute writes at 1.25x`,
        );
      }
    }
  });

  it('formats nano-dollars as exact decimal strings', () => {
    assert.equal(nanoToDollars(12_500), '0.0000125');
    assert.equal(nanoToDollars(2_500_000_000), '2.5');
    assert.equal(nanoToDollars(0), '0');
    assert.equal(nanoToDollars(-1_500_000_000n), '-1.5');
    assert.equal(nanoToDollars(-1), '-0.000000001');
    assert.equal(nanoToDollars(Number.MAX_SAFE_INTEGER), '9007199.254740991');
    assert.equal(nanoToDollars(2n ** 64n), '18446744073.709551616');
  });

  it('formats numbers exactly as it formats the same amount as a bigint', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 48271) % 2147483647);
    for (let index = 0; index < 2_000; index += 1) {
      const magnitude = 10 ** (next() % 16);
      const value = Math.trunc(((next() / 2147483647) * 2 - 1) * magnitude);
      assert.equal(nanoToDollars(value), nanoToDollars(BigInt(value)), `for ${value}`);
    }
  });
});
