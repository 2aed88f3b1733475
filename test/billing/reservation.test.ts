/**
 * What a request reserves when it sets no output limit, and what a refused request costs its rate
 * limit: a small balance can still serve short answers, and a request refused for credits is not
 * counted as served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { gatewayError, MODEL, startBillingFixture } from './billing-fixture.js';

const acme = { id: 'team_acme', apiKeyId: 'key_1' };

describe('reservations without maxOutputTokens', () => {
  it('reserves the default output budget (4 096 tokens), not the model’s whole output limit, and settles the truth', async () => {
    // $0.003: less than gpt-4o-mini's 16 384 output tokens at $0.60/M ($0.0098), more than 4 096 of them ($0.0025).
    const fixture = await startBillingFixture({ freeAllocationNano: 3_000_000 });
    try {
      const result = await fixture.router.generate({ model: MODEL, prompt: 'Hello', account: acme });
      assert.equal(fixture.plans[0].maxOutputTokens, 16_384);
      const balance = await fixture.billing.getBalance(acme.id);
      assert.equal(balance.totalUsedNano, result.cost.total);
      assert.equal(balance.reservedNano, 0);
    } finally {
      await fixture.close();
    }
  });

  it('takes the reservation from defaultOutputReservationTokens, and the request’s own limit over it', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: 3_000_000, defaultOutputReservationTokens: 8_192 });
    try {
      const error = await gatewayError(fixture.router.generate({ model: MODEL, prompt: 'Hello', account: acme }));
      assert.equal(error.code, 'insufficient_credits');
      // 8 192 output tokens at $0.60/M = 4 915 200 nano-dollars, plus the input estimate.
      const required = (error.details as { requiredNano: number }).requiredNano;
      assert.ok(required > 4_915_200 && required < 4_920_000, `required ${required}`);
      await fixture.router.generate({ model: MODEL, prompt: 'Hello', maxOutputTokens: 100, account: acme });
      assert.equal(fixture.simulator.totals.requests, 1);
    } finally {
      await fixture.close();
    }
  });
});

describe('rate limits and refused requests', () => {
  it('does not count a request refused for credits against the requests per minute', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: 0, rateLimits: { requestsPerMinute: 2 } });
    try {
      for (let index = 0; index < 3; index += 1) {
        assert.equal(
          (
            await gatewayError(
              fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme }),
            )
          ).code,
          'insufficient_credits',
        );
      }
      await fixture.billing.topUp(acme.id, 1_000_000_000);
      await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme });
      await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme });
      assert.equal(
        (
          await gatewayError(
            fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme }),
          )
        ).code,
        'rate_limited',
      );
      assert.equal(fixture.simulator.totals.requests, 2);
    } finally {
      await fixture.close();
    }
  });
});
