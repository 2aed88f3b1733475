/**
 * Cache hits and money: a hit is recorded (what it saved) and costs the caller nothing by default; with
 * `billCacheHits` a reseller charges it, markup included, against credits and hard budgets. Through the
 * real Router, the response cache and the OpenAI simulator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { withMarkup } from '../../src/billing/markup.js';
import type { BillingOptions } from '../../src/billing/billing.js';
import type { CacheEvent } from '../../src/core/events.js';
import { responseCache, type ResponseCacheConfig } from '../../src/middleware/cache/response-cache.js';
import { waitFor } from '../helpers/wait-for.js';
import { MODEL, gatewayError, startBillingFixture, type BillingFixture } from './billing-fixture.js';

const DOLLAR = 1_000_000_000;
const acme = { id: 'team_acme' };
const globex = { id: 'team_globex' };
const request = { model: MODEL, prompt: 'Tell me something cached', temperature: 0, maxOutputTokens: 50 };

async function withCache<T>(
  options: BillingOptions,
  cacheConfig: ResponseCacheConfig,
  body: (fixture: BillingFixture, events: CacheEvent[]) => Promise<T>,
): Promise<T> {
  const fixture = await startBillingFixture(options, { middleware: [responseCache(cacheConfig)] });
  const events: CacheEvent[] = [];
  fixture.router.on('cache', (event) => void events.push(event));
  try {
    return await body(fixture, events);
  } finally {
    await fixture.router.close();
    await fixture.close();
  }
}

const today = (): { from: Date; to: Date } => ({ from: new Date(Date.now() - 86_400_000), to: new Date() });

describe('cache hits in billing', () => {
  it('a hit costs the caller nothing by default, and the report shows what it saved', async () => {
    await withCache({ freeAllocationNano: DOLLAR }, {}, async (fixture, events) => {
      const first = await fixture.router.generate({ ...request, account: acme });
      const afterMiss = await fixture.billing.getBalance(acme.id);
      assert.equal(afterMiss.totalUsedNano, first.cost.total);
      assert.ok(first.cost.total > 0);

      const second = await fixture.router.generate({ ...request, account: acme });
      assert.equal(second.cache?.status, 'hit');
      assert.equal(fixture.simulator.totals.requests, 1, 'the hit made no call upstream');
      assert.equal(fixture.usage.length, 1, 'a hit is no attempt: no usage event');
      assert.equal(events.find((event) => event.outcome === 'hit')?.savedCostNano, first.cost.total);

      // The hit's record is written in the background: wait for it to show in the report.
      let row: Awaited<ReturnType<typeof fixture.billing.getReport>>['rows'][number] | undefined;
      await waitFor(async () => {
        [row] = (await fixture.billing.getReport(acme, { ...today(), groupBy: 'model' })).rows;
        return row?.cacheHitCount === 1;
      });
      assert.equal(row?.requestCount, 2);
      assert.equal(row?.cacheSavedNano, first.cost.total);
      assert.equal(row?.costNano, first.cost.total, 'only the miss was charged');
      assert.equal(row?.marketCostNano, first.cost.total);
      assert.equal(row?.inputTokens, first.usage.inputTokens.total, 'the hit adds no tokens');
      assert.deepEqual(await fixture.billing.getBalance(acme.id), afterMiss);

      const wire = await fixture.wire.getReport(acme, {
        start_date: today().from.toISOString().slice(0, 10),
        end_date: today().to.toISOString().slice(0, 10),
        group_by: 'model',
      });
      assert.equal(wire.results[0].cache_hit_count, 1);
      assert.equal(wire.results[0].cache_saved_cost, first.cost.total / DOLLAR);

      const generation = await fixture.billing.getGeneration(acme, second.generationId);
      assert.ok(generation, 'the hit is found by its generation id');
      assert.equal(generation.costNano, 0);
    });
  });

  it('with billCacheHits, a hit is charged the stored answer’s cost with the account’s markup', async () => {
    await withCache({ freeAllocationNano: DOLLAR, billCacheHits: true }, {}, async (fixture) => {
      await fixture.billing.setMarkup(acme.id, '0.25');
      const first = await fixture.router.generate({ ...request, account: acme });
      const charged = withMarkup(first.cost.total, '0.25');
      assert.equal((await fixture.billing.getBalance(acme.id)).totalUsedNano, charged);

      const second = await fixture.router.generate({ ...request, account: acme });
      assert.equal(second.cache?.status, 'hit');
      // Charged before the answer is served: the balance is already down when generate() returns.
      const balance = await fixture.billing.getBalance(acme.id);
      assert.equal(balance.totalUsedNano, 2 * charged);
      assert.equal(balance.reservedNano, 0, 'the hit’s hold was settled');

      // A streamed hit is charged too.
      const stream = fixture.router.stream({ ...request, account: acme });
      for await (const _ of stream.textStream);
      assert.equal((await stream.result).cache?.status, 'hit');
      assert.equal((await fixture.billing.getBalance(acme.id)).totalUsedNano, 3 * charged);

      const [row] = (await fixture.billing.getReport(acme, { ...today(), groupBy: 'model' })).rows;
      assert.equal(row.requestCount, 3);
      assert.equal(row.cacheHitCount, 2);
      assert.equal(row.costNano, 3 * charged);
      assert.equal(row.marketCostNano, first.cost.total, 'only the miss had a provider price');
      assert.equal(row.cacheSavedNano, 2 * first.cost.total);
      assert.equal(fixture.simulator.totals.requests, 1);
    });
  });

  it('with billCacheHits, a hit the account cannot pay for is refused with 402, and nothing is charged', async () => {
    await withCache({ billCacheHits: true }, { scope: 'shared' }, async (fixture) => {
      await fixture.billing.topUp(acme.id, DOLLAR);
      const first = await fixture.router.generate({ ...request, account: acme });
      assert.ok(first.cost.total > 0);

      // globex has no credits: the shared entry would answer it, but the hit costs money it does not have.
      const error = await gatewayError(fixture.router.generate({ ...request, account: globex }));
      assert.equal(error.code, 'insufficient_credits');
      assert.equal(error.status, 402);
      assert.match(error.message, /an answer from the cache/);
      assert.equal(fixture.simulator.totals.requests, 1, 'refused without a call upstream');
      const balance = await fixture.billing.getBalance(globex.id);
      assert.equal(balance.totalUsedNano, 0);
      assert.equal(balance.reservedNano, 0);

      await fixture.billing.topUp(globex.id, DOLLAR);
      const served = await fixture.router.generate({ ...request, account: globex });
      assert.equal(served.cache?.status, 'hit');
      assert.equal((await fixture.billing.getBalance(globex.id)).totalUsedNano, first.cost.total);
    });
  });

  it('a request without an account is served from the cache and records nothing', async () => {
    await withCache({ freeAllocationNano: DOLLAR, billCacheHits: true }, { scope: 'shared' }, async (fixture) => {
      await fixture.router.generate({ ...request, account: acme });
      const anonymous = await fixture.router.generate(request);
      assert.equal(anonymous.cache?.status, 'hit');
      const rows = (await fixture.billing.getReport(acme, { ...today(), groupBy: 'model' })).rows;
      assert.equal(rows[0].cacheHitCount, 0);
    });
  });
});
