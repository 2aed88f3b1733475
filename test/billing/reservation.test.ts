/**
 * What a request reserves when it sets no output limit, and what a refused request costs its rate
 * limit: a small balance can still serve short answers, and a request refused for credits is not
 * counted as served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { StateStore } from '../../src/store/store.js';
import { gatewayError, MODEL, startBillingFixture, SwitchableStore } from './billing-fixture.js';

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

/** A store that answers `store_unavailable` after doing the work: the answer is lost on its way back. */
class LostAnswers extends SwitchableStore {
  lostReserves = 0;
  failedReleases = 0;
  constructor(private readonly backend: MemoryStore) {
    super(backend);
  }
  override reserve: StateStore['reserve'] = async (request) => {
    const result = await this.backend.reserve(request);
    if (this.lostReserves <= 0) return result;
    this.lostReserves -= 1;
    throw new GatewayError('store_unavailable', 'The connection closed before the answer came');
  };
  override release: StateStore['release'] = async (id, meters) => {
    if (this.failedReleases <= 0) return this.backend.release(id, meters);
    this.failedReleases -= 1;
    throw new GatewayError('store_unavailable', 'The test store is switched off');
  };
}

describe('holds when the store fails around a reservation', () => {
  it('fail-closed: a reservation made whose answer was lost is released once the store answers again', async () => {
    const store = new LostAnswers(new MemoryStore());
    const fixture = await startBillingFixture({ store, freeAllocationNano: 1_000_000_000 });
    try {
      store.lostReserves = 1;
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme }),
      );
      assert.equal(error.code, 'store_unavailable');
      assert.equal(fixture.simulator.totals.requests, 0, 'refused before any attempt');
      assert.equal(fixture.billing.pendingSettlements, 1, 'the release waits for the store');
      assert.equal(await fixture.billing.flush(), 0);
      assert.equal((await fixture.billing.getBalance(acme.id)).reservedNano, 0, 'no hold left behind');
    } finally {
      await fixture.close();
    }
  });

  it('a release that failed while the store was down is retried, not left to lapse', async () => {
    const store = new LostAnswers(new MemoryStore());
    const fixture = await startBillingFixture({ store, freeAllocationNano: 1_000_000_000 });
    try {
      fixture.simulator.script({ type: 'status', status: 400, message: 'bad request' });
      store.failedReleases = 1;
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme }),
      );
      assert.notEqual(error.code, 'store_unavailable');
      assert.ok((await fixture.billing.getBalance(acme.id)).reservedNano > 0, 'the hold is still there');
      assert.equal(await fixture.billing.flush(), 0);
      assert.equal((await fixture.billing.getBalance(acme.id)).reservedNano, 0, 'released on the retry');
    } finally {
      await fixture.close();
    }
  });
});
