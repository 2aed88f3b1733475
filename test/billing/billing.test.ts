/**
 * The billing layer through the real Router, the real openai provider and the OpenAI simulator, on
 * the in-memory store: credits, reserve-then-settle, BYOK, markup, budgets, rate limits, records,
 * reports and the store-failure policies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { nanoToDollars } from '../../src/billing/cost.js';
import { withMarkup } from '../../src/billing/markup.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { UsageRecord } from '../../src/billing/usage-record.js';
import { MODEL, SwitchableStore, gatewayError, startBillingFixture, today } from './billing-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

const DOLLAR = 1_000_000_000;
const acme = { id: 'team_acme' };
const wordsReply = (count: number): { text: string; textChunks: string[]; outputTokens: number } => {
  const textChunks = Array.from({ length: count }, (_, index) => (index === 0 ? 'word' : ' word'));
  return { text: textChunks.join(''), textChunks, outputTokens: count };
};
const sumCost = (events: Array<{ cost: { total: number } }>): number =>
  events.reduce((sum, event) => sum + event.cost.total, 0);

describe('credits', () => {
  it('grants the free allocation on the first request and charges the exact cost', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    try {
      const result = await fixture.router.generate({
        model: MODEL,
        prompt: 'Hello there',
        maxOutputTokens: 100,
        account: acme,
      });
      assert.ok(result.cost.total > 0);
      assert.deepEqual(await fixture.billing.getBalance(acme.id), {
        balanceNano: DOLLAR - result.cost.total,
        availableNano: DOLLAR - result.cost.total,
        creditedNano: DOLLAR,
        totalUsedNano: result.cost.total,
        reservedNano: 0,
      });
      const credits = await fixture.wire.getCredits(acme);
      assert.equal(credits.total_used, `0.${String(result.cost.total).padStart(9, '0').replace(/0+$/, '')}`);
      assert.equal(BigInt(credits.balance.replace('.', '').padEnd(10, '0')), BigInt(DOLLAR - result.cost.total));
      // A second first look does not grant again.
      assert.equal((await fixture.billing.getBalance(acme.id)).creditedNano, DOLLAR);
    } finally {
      await fixture.close();
    }
  });

  it('refuses with 402 insufficient_credits, before calling the provider, when the balance cannot cover the reservation', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: 1_000 });
    try {
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hello', maxOutputTokens: 100, account: acme }),
      );
      assert.equal(error.code, 'insufficient_credits');
      assert.equal(error.status, 402);
      assert.match(
        error.message,
        /account 'team_acme' has \$0\.000001 available and this request may cost up to \$0\.0000\d+ .*lower maxOutputTokens/,
      );
      assert.equal(fixture.simulator.totals.requests, 0);
      await fixture.billing.topUp(acme.id, DOLLAR);
      await fixture.router.generate({ model: MODEL, prompt: 'Hello', maxOutputTokens: 100, account: acme });
      assert.equal(fixture.simulator.totals.requests, 1);
    } finally {
      await fixture.close();
    }
  });

  it('holds the most an attempt can cost while it runs, then settles the exact cost', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    fixture.simulator.configure({ latencyMs: 3_000 }); // the hold is read while the upstream call is in flight
    try {
      const pending = fixture.router.generate({ model: MODEL, prompt: 'Hello', maxOutputTokens: 1_000, account: acme });
      await waitFor(() => fixture.simulator.requests.length > 0); // reserved before the call went upstream
      const during = await fixture.billing.getBalance(acme.id);
      // 1 000 output tokens at $0.60/M plus the estimated input at $0.15/M.
      assert.ok(during.reservedNano >= 600_000 && during.reservedNano < 610_000, `reserved ${during.reservedNano}`);
      const result = await pending;
      const after = await fixture.billing.getBalance(acme.id);
      assert.equal(after.reservedNano, 0);
      assert.equal(after.totalUsedNano, result.cost.total);
    } finally {
      await fixture.close();
    }
  });

  it('reserves extra input against estimate errors when a margin is configured, with markup', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR, inputEstimateMargin: 0.5 });
    try {
      await fixture.billing.setMarkup(acme.id, '0.1');
      const context = {
        requestId: 'req_margin',
        model: MODEL,
        operation: 'generate' as const,
        streamed: false,
        tags: [],
        metadata: {},
        account: acme,
        byok: false,
        request: { model: MODEL, prompt: [], tags: [], metadata: {} },
      };
      const plan = {
        attempt: 0,
        provider: 'openai',
        providerType: 'openai' as const,
        providerModelId: 'gpt-4o-mini',
        model: MODEL,
        pricing: { input: '0.15', output: '0.60' },
        credentialType: 'system' as const,
        estimatedInputTokens: 9,
        maxOutputTokens: 100,
        maxCostNano: 61_350,
      };
      const lease = await fixture.billing.hook.onAttempt?.(context, plan);
      // (61 350 + 5 tokens × 150) × 1.1
      assert.equal((await fixture.billing.getBalance(acme.id)).reservedNano, 68_310);
      await lease?.release();
      assert.equal((await fixture.billing.getBalance(acme.id)).reservedNano, 0);
    } finally {
      await fixture.close();
    }
  });

  it('releases the hold of an attempt that failed without being billed', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    try {
      fixture.simulator.script({ type: 'status', status: 400 });
      await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hello', maxOutputTokens: 100, account: acme }),
      );
      assert.deepEqual(await fixture.billing.getBalance(acme.id), {
        balanceNano: DOLLAR,
        availableNano: DOLLAR,
        creditedNano: DOLLAR,
        totalUsedNano: 0,
        reservedNano: 0,
      });
      assert.deepEqual(await fixture.billing.listUsage(acme.id, { from: 0, to: Date.now() }), []);
    } finally {
      await fixture.close();
    }
  });

  it('applies a top-up once per idempotency key', async () => {
    const fixture = await startBillingFixture();
    try {
      assert.equal((await fixture.billing.topUp(acme.id, 5 * DOLLAR, { idempotencyKey: 'pi_1' })).applied, true);
      assert.equal((await fixture.billing.topUp(acme.id, 5 * DOLLAR, { idempotencyKey: 'pi_1' })).applied, false);
      assert.deepEqual(await fixture.wire.getCredits(acme), { balance: '5', total_used: '0' });
    } finally {
      await fixture.close();
    }
  });

  it('draws nothing for BYOK requests and records them as byok', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: 1_000 });
    try {
      const result = await fixture.router.generate({
        model: MODEL,
        prompt: 'Hello with my own key',
        account: acme,
        providerOptions: { gateway: { byok: { openai: [{ apiKey: 'sk-byok-0123456789abcdef' }] } } },
      });
      assert.equal(result.credentialType, 'byok');
      assert.equal((await fixture.billing.getBalance(acme.id)).balanceNano, 1_000);
      const generation = await fixture.wire.getGeneration(acme, result.generationId);
      assert.equal(generation?.is_byok, true);
      assert.equal(generation?.total_cost, 0);
      assert.ok((generation?.market_cost as number) > 0);
      const report = await fixture.wire.getReport(acme, {
        start_date: today(),
        end_date: today(),
        group_by: 'credential_type',
      });
      assert.deepEqual(
        report.results.map((row) => [row.credential_type, row.total_cost, row.request_count]),
        [['byok', 0, 1]],
      );
    } finally {
      await fixture.close();
    }
  });

  it('charges an account its markup, exactly, and reports list price as market cost', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    try {
      await fixture.billing.setMarkup(acme.id, '0.25');
      const result = await fixture.router.generate({
        model: MODEL,
        prompt: 'Resell this',
        maxOutputTokens: 50,
        account: acme,
      });
      const charged = withMarkup(result.cost.total, '0.25');
      assert.equal(charged, Math.round(result.cost.total * 1.25));
      assert.equal((await fixture.billing.getBalance(acme.id)).totalUsedNano, charged);
      const generation = await fixture.wire.getGeneration(acme, result.generationId);
      assert.equal(generation?.total_cost, charged / DOLLAR);
      assert.equal(generation?.market_cost, result.cost.total / DOLLAR);
      await assert.rejects(fixture.billing.setMarkup(acme.id, '-1'), { code: 'invalid_request' });
    } finally {
      await fixture.close();
    }
  });

  it('bills nothing for requests without an account, unless a default account is configured', async () => {
    const unbilled = await startBillingFixture({ freeAllocationNano: 10 });
    const billed = await startBillingFixture({ freeAllocationNano: DOLLAR, defaultAccountId: 'house' });
    try {
      await unbilled.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10_000 });
      const result = await billed.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 100 });
      assert.equal((await billed.billing.getBalance('house')).totalUsedNano, result.cost.total);
    } finally {
      await unbilled.close();
      await billed.close();
    }
  });
});

describe('usage records', () => {
  it('stores one record per billable attempt and calls the usage hook once for each', async () => {
    const sink: UsageRecord[] = [];
    const fixture = await startBillingFixture({
      freeAllocationNano: DOLLAR,
      onUsageRecord: (record) => void sink.push(record),
    });
    try {
      const results = await Promise.all(
        [0, 1, 2].map((index) =>
          fixture.router.generate({
            model: MODEL,
            prompt: `Request ${index}`,
            maxOutputTokens: 50,
            account: { ...acme, user: 'alice', apiKeyId: 'key_1' },
            tags: ['batch'],
          }),
        ),
      );
      const stream = fixture.router.stream({ model: MODEL, prompt: 'Stream this', maxOutputTokens: 50, account: acme });
      await stream.result;
      await new Promise((resolve) => setImmediate(resolve));
      const records = await fixture.billing.listUsage(acme.id, { from: 0, to: Date.now() });
      assert.equal(records.length, 4);
      assert.equal(sink.length, 4);
      assert.deepEqual(
        new Set(records.map((record) => record.generationId)),
        new Set([...results.map((result) => result.generationId), stream.generationId]),
      );
      const first = records.find((record) => record.generationId === results[0].generationId);
      assert.equal(first?.user, 'alice');
      assert.equal(first?.apiKeyId, 'key_1');
      assert.deepEqual(first?.tags, ['batch']);
      assert.equal(records.find((record) => record.generationId === stream.generationId)?.streamed, true);
      assert.equal(
        records.reduce((sum, record) => sum + record.costNano, 0),
        sumCost(fixture.usage),
      );
    } finally {
      await fixture.close();
    }
  });

  it('settles a lease once even when settle is called again', async () => {
    const sink: UsageRecord[] = [];
    const fixture = await startBillingFixture({
      freeAllocationNano: DOLLAR,
      onUsageRecord: (record) => void sink.push(record),
    });
    try {
      const context = {
        requestId: 'req_replay',
        model: MODEL,
        operation: 'generate' as const,
        streamed: false,
        tags: [],
        metadata: {},
        account: acme,
        byok: false,
        request: { model: MODEL, prompt: [], tags: [], metadata: {} },
      };
      const plan = {
        attempt: 0,
        provider: 'openai',
        providerType: 'openai' as const,
        providerModelId: 'gpt-4o-mini',
        model: MODEL,
        pricing: { input: '0.15', output: '0.60' },
        credentialType: 'system' as const,
        estimatedInputTokens: 10,
        maxOutputTokens: 100,
        maxCostNano: 61_500,
      };
      await fixture.billing.hook.onRequest?.(context);
      const lease = await fixture.billing.hook.onAttempt?.(context, plan);
      assert.ok(lease);
      assert.equal((await fixture.billing.getBalance(acme.id)).reservedNano, 61_500);
      const usage = {
        requestId: 'req_replay',
        attempt: 0,
        generationId: 'gen_replay',
        model: MODEL,
        provider: 'openai',
        providerType: 'openai',
        providerModelId: 'gpt-4o-mini',
        credentialType: 'system' as const,
        inputTokens: 10,
        noCacheInputTokens: 10,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 20,
        reasoningTokens: 0,
        cost: { input: 1_500, output: 12_000, cacheRead: 0, cacheWrite: 0, total: 13_500 },
        estimated: false,
        latencyMs: 5,
        streamed: false,
        finishReason: 'stop' as const,
        tags: [],
        metadata: {},
        account: acme,
        timestamp: Date.now(),
        operation: 'generate' as const,
      };
      await lease.settle(usage);
      await lease.settle(usage);
      await lease.release();
      assert.deepEqual(await fixture.billing.getBalance(acme.id), {
        balanceNano: DOLLAR - 13_500,
        availableNano: DOLLAR - 13_500,
        creditedNano: DOLLAR,
        totalUsedNano: 13_500,
        reservedNano: 0,
      });
      assert.equal((await fixture.billing.listUsage(acme.id, { from: 0, to: Date.now() })).length, 1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sink.length, 1, 'the usage hook sees each record once');
      // The next attempt of the same request gets its own reservation id.
      const second = await fixture.billing.hook.onAttempt?.(context, { ...plan, attempt: 1 });
      await second?.settle({ ...usage, attempt: 1, timestamp: Date.now() });
      assert.equal((await fixture.billing.listUsage(acme.id, { from: 0, to: Date.now() })).length, 2);
      assert.equal((await fixture.wire.getGeneration(acme, 'gen_replay'))?.total_cost, 27_000 / DOLLAR);
    } finally {
      await fixture.close();
    }
  });
});

describe('budgets', () => {
  it('refuses with 402 budget_exceeded past a hard limit and emits budget events', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    fixture.simulator.configure({ reply: () => wordsReply(45) });
    const alice = { ...acme, user: 'alice' };
    try {
      // Spend before the budget exists counts: a day budget covers the whole day.
      const first = await fixture.router.generate({
        model: MODEL,
        prompt: 'Spend a little',
        maxOutputTokens: 50,
        account: alice,
      });
      const spent = first.cost.total;
      const reservation = fixture.plans[0].maxCostNano;
      const hardLimitNano = spent + reservation + Math.floor(spent / 2);
      await fixture.billing.setBudget({
        accountId: acme.id,
        scope: 'user',
        target: '*',
        period: 'day',
        softLimitNano: spent + 1,
        hardLimitNano,
      });
      const second = await fixture.router.generate({
        model: MODEL,
        prompt: 'Spend a little',
        maxOutputTokens: 50,
        account: alice,
      });
      assert.equal(second.cost.total, spent);
      assert.deepEqual(fixture.budgets, [
        {
          accountId: acme.id,
          scope: 'user:alice',
          limitNano: spent + 1,
          spentNano: 2 * spent,
          period: 'day',
          hard: false,
        },
      ]);
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Spend a little', maxOutputTokens: 50, account: alice }),
      );
      assert.equal(error.code, 'budget_exceeded');
      assert.equal(error.status, 402);
      assert.equal(
        error.message,
        `Budget exceeded: the daily budget of user 'alice' is $${nanoToDollars(hardLimitNano)}, $${nanoToDollars(2 * spent)} is spent, and this request may cost up to $${nanoToDollars(reservation)}.`,
      );
      assert.deepEqual(fixture.budgets.at(-1), {
        accountId: acme.id,
        scope: 'user:alice',
        limitNano: hardLimitNano,
        spentNano: 2 * spent,
        period: 'day',
        hard: true,
      });
      assert.equal(fixture.simulator.totals.requests, 2);
      // Bob has his own daily budget under the same rule.
      await fixture.router.generate({
        model: MODEL,
        prompt: 'Spend a little',
        maxOutputTokens: 50,
        account: { ...acme, user: 'bob' },
      });
      const statuses = await fixture.billing.getBudgetStatus(alice);
      assert.deepEqual(
        statuses.map((status) => [status.scope, status.spentNano]),
        [['user:alice', 2 * spent]],
      );
    } finally {
      await fixture.close();
    }
  });

  it('caps an API key over a rolling window, and lets the spend leave the window', async () => {
    let now = Date.now();
    // Each attempt reserves about $0.00006 (100 output tokens at $0.60/M) and spends about $0.000054.
    const fixture = await startBillingFixture({
      freeAllocationNano: DOLLAR,
      now: () => now,
      budgets: [
        { accountId: '*', scope: 'apiKey', target: '*', period: { rollingMs: 3_600_000 }, hardLimitNano: 100_000 },
      ],
    });
    fixture.simulator.configure({ reply: () => wordsReply(90) });
    const account = { ...acme, apiKeyId: 'key_9' };
    try {
      const first = await fixture.router.generate({ model: MODEL, prompt: 'One', maxOutputTokens: 100, account });
      assert.equal(first.usage.outputTokens.total, 90);
      assert.equal(
        (await gatewayError(fixture.router.generate({ model: MODEL, prompt: 'Two', maxOutputTokens: 100, account })))
          .code,
        'budget_exceeded',
      );
      now += 3_600_000 + 300_001;
      await fixture.router.generate({ model: MODEL, prompt: 'Three', maxOutputTokens: 100, account });
      await fixture.router.generate({
        model: MODEL,
        prompt: 'Other key',
        maxOutputTokens: 100,
        account: { ...acme, apiKeyId: 'key_10' },
      });
      assert.equal(fixture.usage.length, 3);
    } finally {
      await fixture.close();
    }
  });

  it('validates budgets and lists and removes them', async () => {
    const fixture = await startBillingFixture();
    try {
      await assert.rejects(
        fixture.billing.setBudget({ accountId: acme.id, scope: 'user', period: 'day', hardLimitNano: 5 }),
        { code: 'invalid_request' },
      );
      await assert.rejects(
        fixture.billing.setBudget({ accountId: acme.id, scope: 'account', period: 'week' as 'day', hardLimitNano: 5 }),
        { code: 'invalid_request' },
      );
      await assert.rejects(fixture.billing.setBudget({ accountId: acme.id, scope: 'account', period: 'day' }), {
        code: 'invalid_request',
      });
      await fixture.billing.setBudget({ accountId: acme.id, scope: 'account', period: 'month', hardLimitNano: 5 });
      await fixture.billing.setBudget({ accountId: acme.id, scope: 'account', period: 'month', hardLimitNano: 7 });
      assert.deepEqual(await fixture.billing.listBudgets(acme.id), [
        { accountId: acme.id, scope: 'account', period: 'month', hardLimitNano: 7 },
      ]);
      await fixture.billing.removeBudget({ accountId: acme.id, scope: 'account', period: 'month' });
      assert.deepEqual(await fixture.billing.listBudgets(acme.id), []);
    } finally {
      await fixture.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with retryAfterMs past the requests per minute of a key', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR, rateLimits: { requestsPerMinute: 3 } });
    const account = { ...acme, apiKeyId: 'key_1' };
    try {
      for (let index = 0; index < 3; index += 1)
        await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account });
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account }),
      );
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.status, 429);
      assert.ok(
        error.retryAfterMs !== undefined && error.retryAfterMs > 50_000 && error.retryAfterMs <= 65_000,
        `retry after ${error.retryAfterMs}`,
      );
      assert.match(error.message, /API key 'key_1' may use at most 3 requests per minute/);
      // Another key has its own window; a key's own limit overrides the default.
      await fixture.billing.setRateLimits(acme.id, { requestsPerMinute: 1 }, 'key_2');
      await fixture.router.generate({
        model: MODEL,
        prompt: 'Hi',
        maxOutputTokens: 10,
        account: { ...acme, apiKeyId: 'key_2' },
      });
      assert.equal(
        (
          await gatewayError(
            fixture.router.generate({
              model: MODEL,
              prompt: 'Hi',
              maxOutputTokens: 10,
              account: { ...acme, apiKeyId: 'key_2' },
            }),
          )
        ).code,
        'rate_limited',
      );
      assert.equal(fixture.simulator.totals.requests, 4);
    } finally {
      await fixture.close();
    }
  });

  it('counts tokens per minute from actual usage', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    const account = { ...acme, apiKeyId: 'key_t' };
    try {
      await fixture.billing.setRateLimits(acme.id, { tokensPerMinute: 30 });
      const first = await fixture.router.generate({
        model: MODEL,
        prompt: 'Please say something moderately long for me',
        maxOutputTokens: 100,
        account,
      });
      assert.ok(first.usage.inputTokens.total! + first.usage.outputTokens.total! < 30);
      await fixture.router.generate({
        model: MODEL,
        prompt: 'Please say something moderately long for me',
        maxOutputTokens: 100,
        account,
      });
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account }),
      );
      assert.equal(error.code, 'rate_limited');
      assert.match(error.message, /at most 30 tokens per minute/);
    } finally {
      await fixture.close();
    }
  });
});

describe('reports', () => {
  it('groups spend by model, provider, user, tag, day and hour, with filters', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    try {
      const alice = await fixture.router.generate({
        model: MODEL,
        prompt: 'Alice asks',
        maxOutputTokens: 50,
        account: { ...acme, user: 'alice' },
        tags: ['beta', 'chat'],
      });
      const bob = await fixture.router.generate({
        model: 'openai/gpt-4.1-nano',
        prompt: 'Bob asks a longer question',
        maxOutputTokens: 50,
        account: { ...acme, user: 'bob' },
        tags: ['chat'],
      });
      await fixture.router.generate({
        model: MODEL,
        prompt: 'Someone else',
        maxOutputTokens: 50,
        account: { id: 'team_other' },
      });
      const range = { start_date: today(), end_date: today() };
      const byModel = await fixture.wire.getReport(acme, { ...range, group_by: 'model' });
      assert.deepEqual(
        byModel.results.map((row) => [row.model, row.total_cost, row.request_count]),
        [
          ['openai/gpt-4.1-nano', bob.cost.total / DOLLAR, 1],
          [MODEL, alice.cost.total / DOLLAR, 1],
        ],
      );
      const byDay = await fixture.wire.getReport(acme, range);
      assert.deepEqual(byDay.results, [
        {
          day: today(),
          total_cost: (alice.cost.total + bob.cost.total) / DOLLAR,
          market_cost: (alice.cost.total + bob.cost.total) / DOLLAR,
          input_tokens: alice.usage.inputTokens.total! + bob.usage.inputTokens.total!,
          output_tokens: alice.usage.outputTokens.total! + bob.usage.outputTokens.total!,
          cached_input_tokens: 0,
          cache_creation_input_tokens: 0,
          reasoning_tokens: 0,
          request_count: 2,
          cache_hit_count: 0,
          cache_saved_cost: 0,
        },
      ]);
      const byHour = await fixture.wire.getReport(acme, { ...range, date_part: 'hour' });
      assert.match(String(byHour.results[0].hour), /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
      const byTag = await fixture.wire.getReport(acme, { ...range, group_by: 'tag' });
      assert.deepEqual(
        byTag.results.map((row) => [row.tag, row.request_count]),
        [
          ['beta', 1],
          ['chat', 2],
        ],
      );
      const filtered = await fixture.wire.getReport(acme, { ...range, group_by: 'user', tags: ['chat'], model: MODEL });
      assert.deepEqual(
        filtered.results.map((row) => row.user),
        ['alice'],
      );
      assert.deepEqual(
        (await fixture.wire.getReport(acme, { ...range, group_by: 'provider', user_id: 'bob' })).results.map((row) => [
          row.provider,
          row.request_count,
        ]),
        [['openai', 1]],
      );
      assert.deepEqual(
        (await fixture.wire.getReport(acme, { start_date: '2020-01-01', end_date: '2020-01-31' })).results,
        [],
      );
      // A user's key sees only that user's spend and generations.
      assert.deepEqual(
        (await fixture.wire.getReport({ ...acme, user: 'bob' }, { ...range, group_by: 'user' })).results.map(
          (row) => row.user,
        ),
        ['bob'],
      );
      assert.equal(await fixture.wire.getGeneration({ ...acme, user: 'bob' }, alice.generationId), undefined);
      assert.equal(await fixture.wire.getGeneration({ id: 'team_other' }, alice.generationId), undefined);
      assert.equal((await fixture.wire.getGeneration(acme, alice.generationId))?.provider_name, 'openai');
    } finally {
      await fixture.close();
    }
  });

  it('rejects invalid report queries with invalid_request', async () => {
    const fixture = await startBillingFixture();
    try {
      for (const query of [
        { start_date: '2025-13-01', end_date: '2025-12-31' },
        { start_date: '2025-02-30', end_date: '2025-03-01' },
        { start_date: '2025-06-02', end_date: '2025-06-01' },
        { start_date: '2025-06-01', end_date: '2025-06-02', group_by: 'week' },
        { start_date: '2025-06-01', end_date: '2025-06-02', date_part: 'minute' },
        { start_date: '2025-06-01', end_date: '2025-06-02', credential_type: 'mine' },
        { start_date: '', end_date: '2025-06-02' },
        { start_date: '2020-01-01', end_date: '2025-06-02' },
      ]) {
        const error = await gatewayError(fixture.wire.getReport(acme, query));
        assert.equal(error.code, 'invalid_request', JSON.stringify(query));
        assert.ok(error.param, JSON.stringify(query));
      }
    } finally {
      await fixture.close();
    }
  });
});

describe('store failure policy', () => {
  it('fails closed by default: 503 store_unavailable, and no provider call', async () => {
    const store = new SwitchableStore(new MemoryStore());
    const fixture = await startBillingFixture({ store, freeAllocationNano: DOLLAR });
    try {
      store.down = true;
      const error = await gatewayError(
        fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme }),
      );
      assert.equal(error.code, 'store_unavailable');
      assert.equal(error.status, 503);
      assert.equal(fixture.simulator.totals.requests, 0);
      store.down = false;
      await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme });
    } finally {
      await fixture.close();
    }
  });

  it('fails open when configured: serves with a warning and charges the usage once the store is back', async () => {
    const store = new SwitchableStore(new MemoryStore());
    const fixture = await startBillingFixture({
      store,
      freeAllocationNano: DOLLAR,
      onStoreFailure: 'fail-open',
      retryIntervalMs: 20,
    });
    try {
      store.down = true;
      const result = await fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme });
      assert.equal(fixture.warnings[0]?.code, 'store_unavailable');
      assert.equal(fixture.billing.pendingSettlements, 1);
      store.down = false;
      const deadline = Date.now() + 2_000;
      while (fixture.billing.pendingSettlements > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(fixture.billing.pendingSettlements, 0);
      assert.equal((await fixture.billing.getBalance(acme.id)).totalUsedNano, result.cost.total);
      assert.equal((await fixture.billing.listUsage(acme.id, { from: 0, to: Date.now() })).length, 1);
    } finally {
      await fixture.close();
    }
  });

  it('keeps a settlement that failed under fail-closed and applies it when the store returns', async () => {
    const store = new SwitchableStore(new MemoryStore());
    const fixture = await startBillingFixture({ store, freeAllocationNano: DOLLAR, retryIntervalMs: 60_000 });
    fixture.simulator.configure({ latencyMs: 2_000 });
    try {
      const pending = fixture.router.generate({ model: MODEL, prompt: 'Hi', maxOutputTokens: 10, account: acme });
      await waitFor(() => fixture.simulator.requests.length > 0); // reserved: the store goes down before the settlement
      store.down = true;
      const result = await pending;
      assert.equal(fixture.billing.pendingSettlements, 1);
      assert.equal(await fixture.billing.flush(), 1);
      store.down = false;
      assert.equal(await fixture.billing.flush(), 0);
      assert.deepEqual(await fixture.billing.getBalance(acme.id), {
        balanceNano: DOLLAR - result.cost.total,
        availableNano: DOLLAR - result.cost.total,
        creditedNano: DOLLAR,
        totalUsedNano: result.cost.total,
        reservedNano: 0,
      });
    } finally {
      await fixture.close();
    }
  });
});

describe('domain types (the dialect shapes the wire)', () => {
  it('answers credits, reports and generations in nano-dollars, camelCase and Dates', async () => {
    const fixture = await startBillingFixture({ freeAllocationNano: DOLLAR });
    try {
      const result = await fixture.router.generate({
        model: MODEL,
        prompt: 'Domain types',
        maxOutputTokens: 50,
        account: { ...acme, user: 'alice' },
      });
      const credits = await fixture.billing.getCredits(acme);
      assert.equal(credits.balanceNano, DOLLAR - result.cost.total);
      assert.equal(credits.totalUsedNano, result.cost.total);
      const midnight = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
      const report = await fixture.billing.getReport(acme, {
        from: new Date(midnight),
        to: Date.now() + 1_000,
        groupBy: 'user',
      });
      assert.equal(report.groupBy, 'user');
      assert.deepEqual(
        report.rows.map((row) => [row.group, row.costNano, row.requestCount, row.inputTokens]),
        [['alice', result.cost.total, 1, result.usage.inputTokens.total]],
      );
      const byDay = await fixture.billing.getReport(acme, { from: midnight, to: Date.now() + 1_000 });
      assert.equal(byDay.rows[0].periodStart?.getTime(), midnight);
      const generation = await fixture.billing.getGeneration(acme, result.generationId);
      assert.equal(generation?.costNano, result.cost.total);
      assert.equal(generation?.provider, 'openai');
      assert.ok(generation?.createdAt instanceof Date);
      assert.equal(generation?.tokens.outputTokens, result.usage.outputTokens.total);
      const error = await gatewayError(fixture.billing.getReport(acme, { from: Date.now(), to: Date.now() - 1 }));
      assert.equal(error.param, 'to');
      assert.equal(
        (await gatewayError(fixture.billing.getReport(acme, { from: 0, to: 1, groupBy: 'week' as 'day' }))).param,
        'groupBy',
      );
    } finally {
      await fixture.close();
    }
  });
});
